package dev.warden.body;

import dev.warden.config.Limits;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads and parses the body, after authentication: an anonymous client can never make the gateway
 * buffer a body, and a {@code 100-continue} client does not even send it before its key is
 * checked. The body is read whole (up to {@code limits.maxBodyBytes}) because nothing may be
 * forwarded before it has been checked; past the cap the read stops with 413.
 */
public final class ReadBodyStage implements Stage {

    private static final GatewayError UNREADABLE = GatewayError.of(ErrorCode.INVALID_REQUEST, "The request body could not be read.",
            "body_read_failed");

    private static final GatewayError GONE = GatewayError.of(ErrorCode.INVALID_REQUEST, "The client left before its body ended.",
            "client_gone");

    @Override
    public String name() {
        return "body";
    }

    /** The form fields of an audio request that the gateway reads (the rest are passed on as given). */
    static final java.util.Set<String> AUDIO_FIELDS = java.util.Set.of("model", "prompt", "language", "response_format", "temperature",
            "stream", "chunking_strategy", "include[]", "timestamp_granularities[]");

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        if (exchange.request().operation().audio()) {
            return AudioBody.read(exchange, exchange.require(RequestContext.SNAPSHOT).config().limits().maxAudioBytes());
        }
        if (!exchange.request().operation().hasBody()) {
            return Outcome.continueNow();
        }
        HttpServerRequest request = exchange.request().http();
        Limits limits = exchange.require(RequestContext.SNAPSHOT).config().limits();
        Promise<Outcome> outcome = Promise.promise();
        String declared = request.getHeader("Content-Length");
        Buffer body = Buffer.buffer(declared == null ? 1024 : Math.min(Integer.parseInt(declared), 64 * 1024));
        boolean[] over = {false};
        request.handler(chunk -> {
            if (over[0]) {
                return;
            }
            if (body.length() + chunk.length() > limits.maxBodyBytes()) {
                over[0] = true;
                request.pause();
                outcome.tryComplete(Outcome.reject(GatewayError.of(ErrorCode.BODY_TOO_LARGE,
                        "The body is larger than " + limits.maxBodyBytes() + " bytes.", "body_too_large")));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> failed(exchange, e, outcome));
        // an HTTP/2 stream the gateway reset (its body too slow) tells its request nothing: its response closes
        request.response().closeHandler(v -> gone(exchange, outcome));
        request.endHandler(v -> {
            if (over[0]) {
                return;
            }
            JsonBodies.Parsed parsed = JsonBodies.parse(body, limits.maxJsonDepth(), limits.maxBodyBytes());
            if (parsed.error() != null) {
                outcome.tryComplete(Outcome.reject(parsed.error()));
                return;
            }
            exchange.put(RequestContext.BODY, parsed.body());
            outcome.tryComplete(Outcome.CONTINUE);
        });
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            request.response().writeContinue();
        }
        request.resume();
        return outcome.future();
    }

    /** The body could not be read: the client left ({@link #gone}), or what it sent was broken (400). */
    static void failed(Exchange exchange, Throwable e, Promise<Outcome> outcome) {
        if (exchange.clientLeft(e)) {
            gone(exchange, outcome);
        } else {
            outcome.tryComplete(Outcome.reject(UNREADABLE));
        }
    }

    /** The client left (or was cut) before its body ended: nothing to answer, the exchange ends. */
    static void gone(Exchange exchange, Promise<Outcome> outcome) {
        if (!outcome.future().isComplete()) {
            exchange.markClientGone();
            outcome.tryComplete(Outcome.reject(GONE));
        }
    }

    @Override
    public void onComplete(Exchange exchange, dev.warden.pipeline.Completion completion) {
        AudioBody.discard(exchange);
    }
}
