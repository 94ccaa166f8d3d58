package dev.warden.http;

import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;

/** A stage's own JSON answer (models, files, batches): the security headers, the status, the body. */
public final class JsonAnswer {
    private JsonAnswer() {
    }

    public static Future<Outcome> send(Exchange exchange, int status, Object json) {
        HttpServerResponse res = exchange.request().http().response();
        SecurityHeaders.apply(res.headers(), exchange);
        res.setStatusCode(status).putHeader("Content-Type", "application/json");
        exchange.responseStatus(status);
        return Future.succeededFuture(new Outcome.Respond(new Outcome.Reply.Sent(res.end(json.toString()))));
    }
}
