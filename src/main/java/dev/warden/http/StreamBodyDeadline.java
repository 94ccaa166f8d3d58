package dev.warden.http;

import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * HTTP/2's counterpart of {@link SlowClientGuard}'s body deadline, per stream: a request whose last
 * DATA frame has not arrived {@code bodyMs} after its head is answered 408 (if nothing was answered
 * yet) and its stream reset with NO_ERROR, the way RFC 9113 8.1 lets a server stop a request it has
 * answered. The stream's other work ends as for a client that left. A stream's head arrives in one
 * piece (HEADERS and its CONTINUATIONs, bounded by the header size), so only the body needs a
 * deadline; the connection's idle timeout covers streams that send nothing at all.
 *
 * <p>One timer per stream still receiving, cancelled when the answer ends.
 */
final class StreamBodyDeadline {
    private static final GatewayError TOO_SLOW = GatewayError.of(ErrorCode.REQUEST_TIMEOUT, "The request was sent too slowly.",
            "request_timeout");

    private StreamBodyDeadline() {
    }

    /** Arms the deadline of an HTTP/2 {@code request} just dispatched; {@code onTimeout} records a 408 and returns its request id. */
    static void arm(HttpServerRequest request, long bodyMs, LongAdder timedOut, Function<String, String> onTimeout) {
        Context context = Vertx.currentContext();
        if (context == null || request.isEnded()) {
            return;
        }
        Vertx vertx = context.owner();
        long timer = vertx.setTimer(bodyMs, id -> expire(request, timedOut, onTimeout));
        request.response().endHandler(v -> vertx.cancelTimer(timer));
    }

    private static void expire(HttpServerRequest request, LongAdder timedOut, Function<String, String> onTimeout) {
        HttpServerResponse response = request.response();
        if (request.isEnded() || response.ended() || response.closed()) {
            return;
        }
        timedOut.increment();
        String requestId = onTimeout.apply(request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress());
        if (response.headWritten()) {
            response.reset(0x8); // CANCEL: an answer is under way (its request cannot be, its body being incomplete)
            return;
        }
        ProblemWriter.writeBare(request, TOO_SLOW, requestId, null);
        response.reset(0); // NO_ERROR: answered; the rest of the body is not wanted
    }
}
