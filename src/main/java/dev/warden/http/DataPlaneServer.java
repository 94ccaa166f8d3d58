package dev.warden.http;

import dev.warden.config.Limits;
import dev.warden.config.ListenerConfig;
import dev.warden.config.Timeouts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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

    public static Future<HttpServer> start(Vertx vertx, HttpServerOptions options, DataPlaneHandler handler) {
        HttpServer server = vertx.createHttpServer(options);
        server.connectionHandler(connection -> StrictRequestDecoder.install(connection, options));
        server.requestHandler(handler);
        server.invalidRequestHandler(handler::unreadable);
        return server.listen();
    }
}
