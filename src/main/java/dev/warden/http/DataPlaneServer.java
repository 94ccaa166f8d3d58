package dev.warden.http;

import dev.warden.config.Limits;
import dev.warden.config.ListenerConfig;
import dev.warden.config.Timeouts;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/** Starts a data-plane listener: HTTP/1.1, strict decoding, the configured caps and idle timeout. */
public final class DataPlaneServer {
    private DataPlaneServer() {
    }

    public static HttpServerOptions options(ListenerConfig listener, Limits limits, Timeouts timeouts) {
        return new HttpServerOptions()
                .setHost(listener.host())
                // Port 0 means "any free port": Vert.x shares a random port between the servers
                // of all event loops only when it is asked for as a negative port.
                .setPort(listener.port() == 0 ? -1 : listener.port())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setIdleTimeout(timeouts.clientIdleMs())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setHandle100ContinueAutomatically(false)
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                .setAcceptBacklog(4096);
    }

    /** A request the HTTP decoder could not read: a problem+json, then the connection closes. */
    private static void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        GatewayError error;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            error = GatewayError.of(ErrorCode.URI_TOO_LONG, "The request line is too long.", "uri_too_long");
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            error = GatewayError.of(ErrorCode.HEADERS_TOO_LARGE, "The request headers are too large.", "headers_too_large");
        } else {
            error = GatewayError.of(ErrorCode.INVALID_REQUEST, "The request could not be parsed.", "http_malformed");
        }
        String requestId = dev.warden.observe.RequestIdStage.next();
        String remote = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        dev.warden.observe.SecurityLog.refusedBeforePipeline(requestId, remote, error);
        request.response().headers().set("Connection", "close");
        ProblemWriter.writeBare(request, error, requestId, null);
        request.connection().close();
    }

    public static Future<HttpServer> start(Vertx vertx, HttpServerOptions options, Handler<HttpServerRequest> handler) {
        HttpServer server = vertx.createHttpServer(options);
        server.connectionHandler(connection -> StrictRequestDecoder.install(connection, options));
        server.requestHandler(handler);
        server.invalidRequestHandler(DataPlaneServer::invalid);
        return server.listen();
    }
}
