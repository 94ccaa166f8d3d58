package dev.warden.pipeline;

/** Writes a refusal to the client; implemented once, by the HTTP layer. */
@FunctionalInterface
public interface ErrorResponder {
    void respond(Exchange exchange, GatewayError error);
}
