package dev.warden.pipeline;
import dev.warden.problem.GatewayError;

/** Writes a refusal to the client; implemented once, by the HTTP layer. */
@FunctionalInterface
public interface ErrorResponder {
    void respond(Exchange exchange, GatewayError error);
}
