package dev.warden.token;

import dev.warden.http.ProblemWriter;
import dev.warden.pipeline.GatewayError;
import io.vertx.core.http.HttpServerResponse;

/**
 * The problem+json answer of the platform endpoints ({@code /oauth2/token}, job renewal): the
 * gateway's one problem body ({@link ProblemWriter#body}) plus the member such a client reads
 * (RFC 6749's {@code error}, a job's {@code reason}), never cached.
 */
final class PlatformProblem {
    private PlatformProblem() {
    }

    /** {@code member} and {@code value} may be null: the plain problem. */
    static void send(HttpServerResponse res, GatewayError error, String member, String value) {
        String body = ProblemWriter.body(error);
        if (member != null && value != null) {
            body = body.substring(0, body.length() - 1) + ",\"" + member + "\":"
                    + com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(value) + "}";
        }
        res.setStatusCode(error.status()).putHeader("Content-Type", "application/problem+json")
                .putHeader("Cache-Control", "no-store").end(body);
    }
}
