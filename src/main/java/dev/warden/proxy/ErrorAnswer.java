package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.problem.ClientErrors;
import io.vertx.core.buffer.Buffer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What a client sees of an upstream's error answer (ATTACKS G08), in the client's shape: of a 4xx
 * in an error shape, its message, type, code and param, scrubbed ({@link ErrorScrubber}); of
 * anything else (a 5xx, a body that is not an error object or is over the cap), the gateway's own
 * {@code upstream_error}, the upstream's status kept so clients retry as they would.
 */
record ErrorAnswer(String body, String contentType) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ErrorAnswer of(int status, Buffer held, Predicate<String> otherTenant, UnaryOperator<String> redactSecrets,
                          boolean anthropicClient) {
        String shown = status < 500 && held != null && held != UpstreamErrors.TOO_LARGE
                ? ErrorScrubber.clientError(held.getBytes(), otherTenant, redactSecrets, anthropicClient) : null;
        if (shown != null) {
            return new ErrorAnswer(shown, "application/json");
        }
        return new ErrorAnswer(upstreamError(status, anthropicClient), ClientErrors.contentType(anthropicClient));
    }

    /** {@code upstream_error}: a problem with OpenAI's {@code error} member, or Anthropic's shape. */
    static String upstreamError(int status, boolean anthropicClient) {
        String detail = "The model server answered with an error (status " + status + ").";
        ObjectNode root = JSON.createObjectNode();
        if (anthropicClient) {
            root.put("type", "error").putObject("error").put("type", status >= 500 ? "api_error" : "invalid_request_error")
                    .put("message", detail).put("code", "upstream_error");
            return root.toString();
        }
        root.put("type", "https://warden.dev/errors/upstream_error").put("title", "Upstream error").put("status", status)
                .put("code", "upstream_error").put("detail", detail);
        root.putObject("error").put("message", detail).put("type", status >= 500 ? "server_error" : "invalid_request_error")
                .put("code", "upstream_error").putNull("param");
        return root.toString();
    }
}
