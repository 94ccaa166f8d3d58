package dev.warden.pipeline;
import dev.warden.problem.GatewayError;

/**
 * How an exchange ended, given to every started stage's {@code onComplete}.
 *
 * @param status the HTTP status sent to the client (0 if the client went away before headers)
 * @param error  the refusal, or null when the request was served
 * @param usage  token usage read from the upstream's answer ({@link Usage#NONE} if none)
 * @param aborted whether the stream ended abnormally (upstream reset, client gone, timeout)
 */
public record Completion(int status, GatewayError error, Usage usage, boolean aborted) {
}
