package dev.warden.http;

import dev.warden.pipeline.ErrorResponder;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.ClientErrors;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * The one place a data-plane {@link GatewayError} becomes HTTP: the problem body with its
 * OpenAI-style {@code error} member, or Anthropic's shape on {@code /v1/messages}
 * ({@link ClientErrors}), with {@code X-Should-Retry: false} where retrying cannot help, the security headers, the request id and, for authentication
 * failures, the {@code WWW-Authenticate} challenge; byte-identical whatever the reason. If the request body was not read, the connection is closed after the
 * answer rather than left with unread bytes.
 */
public final class ProblemWriter implements ErrorResponder {
    static final long LINGER_MS = 1000;

    @Override
    public void respond(Exchange exchange, GatewayError error) {
        write(exchange.request().http(), error, exchange, exchange.requestId(), null);
    }

    /** Writes a refusal for a request that never became an exchange (bad route, bad framing). */
    static void writeBare(HttpServerRequest request, GatewayError error, String requestId, String allow) {
        write(request, error, null, requestId, allow);
    }

    private static void write(HttpServerRequest request, GatewayError error, Exchange exchange, String requestId,
                              String allow) {
        HttpServerResponse response = request.response();
        if (exchange != null && exchange.clientGone()) {
            return; // no one to answer: the client reset or closed (its stream or connection is gone already), or was cut
        }
        if (response.headWritten() || response.ended() || response.closed()) {
            if (request.version() == HttpVersion.HTTP_2) {
                response.reset(0x8); // CANCEL this stream only: the connection carries others
            } else {
                request.connection().close();
            }
            if (exchange != null) {
                exchange.markAborted();
            }
            return;
        }
        if (exchange != null) {
            exchange.responseStatus(error.status()); // only what is sent: an answer cut before it (a 408 sent already) is aborted
        }
        MultiMap headers = response.headers();
        headers.clear();
        SecurityHeaders.apply(headers, exchange);
        headers.set(SecurityHeaders.REQUEST_ID, requestId);
        boolean anthropic = exchange != null && exchange.request().operation().anthropicDialect();
        headers.set("Content-Type", ClientErrors.contentType(anthropic));
        if (ClientErrors.noRetry(error)) {
            headers.set("X-Should-Retry", "false"); // the SDKs would otherwise retry a refusal that lasts hours
        }
        if (error.challenge() != null) {
            headers.set("WWW-Authenticate", error.challenge());
        } else if (error.code() == ErrorCode.UNAUTHENTICATED) {
            boolean presented = request.headers().contains("Authorization") || request.headers().contains("X-API-Key");
            headers.set("WWW-Authenticate", presented ? "Bearer realm=\"warden\", error=\"invalid_token\"" : "Bearer realm=\"warden\"");
        }
        if (allow != null) {
            headers.set("Allow", allow);
        }
        // Unread body bytes would be taken for the next request: close instead of keeping alive.
        boolean unreadBody = !request.isEnded()
                && (request.headers().contains("Content-Length") && !"0".equals(request.getHeader("Content-Length"))
                    || request.headers().contains("Transfer-Encoding"));
        // HTTP/2 has no connection-specific headers (RFC 9113 8.2.2): its unread body ends with the stream, not the connection
        boolean close = request.version() != HttpVersion.HTTP_2
                && (unreadBody || error.status() == 413 || error.status() == 400 && error.reason().startsWith("te_"));
        if (close) {
            headers.set("Connection", "close");
        } else if (!request.isEnded()) {
            request.resume(); // let the (empty) rest of the request be read, so keep-alive goes on
        }
        response.setStatusCode(error.status());
        response.end(ClientErrors.body(error, anthropic)).onComplete(ar -> {
            if (close) {
                lingeringClose(request);
            }
        });
    }

    /**
     * Closes after the refusal, but first reads and drops what the client is still sending (for
     * at most {@link #LINGER_MS}): closing a socket with unread bytes makes the kernel send a
     * reset, which can destroy the refusal before the client has read it.
     */
    private static void lingeringClose(HttpServerRequest request) {
        if (request.isEnded()) {
            request.connection().close();
            return;
        }
        Context context = Vertx.currentContext();
        long timer = context == null ? -1 : context.owner().setTimer(LINGER_MS, id -> request.connection().close());
        request.handler(ignored -> { });
        request.exceptionHandler(ignored -> request.connection().close());
        request.endHandler(v -> {
            if (timer >= 0) {
                context.owner().cancelTimer(timer);
            }
            request.connection().close();
        });
        request.resume();
    }
}
