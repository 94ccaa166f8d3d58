package dev.warden.proxy;

import dev.warden.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Predicate;

/**
 * Relays an upstream's error answer (4xx, 5xx) as {@link ErrorScrubber} allows: the body is held
 * (up to 64 KiB; past that it is not shown) and replaced at the end by the scrubbed one: for a 4xx
 * the OpenAI error shape with its message cleaned, otherwise the gateway's own problem
 * ({@code upstream_error}, the upstream's status kept so clients retry as they would).
 */
final class ErrorRelay extends Relay {
    private static final int MAX = 64 * 1024;
    private final Predicate<String> otherTenant;
    private final int status;
    private Buffer held = Buffer.buffer();
    private boolean overCap;

    ErrorRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
               Predicate<String> otherTenant) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.otherTenant = otherTenant;
        this.status = upstream.statusCode();
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (!overCap && held.length() + chunk.length() <= MAX) {
            held.appendBuffer(chunk);
        } else {
            overCap = true;
            held = null;
        }
    }

    @Override
    protected Buffer onEnd() {
        String shown = status < 500 && !overCap ? ErrorScrubber.clientError(held.getBytes(), otherTenant) : null;
        String body;
        String type;
        if (shown != null) {
            body = shown;
            type = "application/json";
        } else {
            body = "{\"type\":\"https://warden.dev/errors/upstream_error\",\"title\":\"Upstream error\",\"status\":" + status
                    + ",\"code\":\"upstream_error\",\"detail\":\"The model server answered with an error (status " + status + ").\"}";
            type = "application/problem+json";
        }
        Buffer out = Buffer.buffer(body);
        client.setChunked(false);
        client.headers().remove("Transfer-Encoding").set("Content-Type", type).set("Content-Length", Integer.toString(out.length()));
        return out;
    }

    @Override
    protected boolean onAbort(String reason) {
        return false; // nothing was sent yet, and there is nothing to tell: the connection is cut
    }
}
