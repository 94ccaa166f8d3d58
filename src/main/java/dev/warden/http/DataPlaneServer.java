package dev.warden.http;

import dev.warden.config.Limits;
import dev.warden.config.ListenerConfig;
import dev.warden.config.Timeouts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a data-plane listener: HTTP/1.1, and HTTP/2 only where configured (ALPN on TLS, h2c
 * only with {@code cleartext}; its streams and resets bounded per connection), strict decoding,
 * the configured size caps, connection caps, head / body deadlines (per connection on HTTP/1, per
 * stream on HTTP/2) and idle timeout.
 */
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
                .setHttp2ClearTextEnabled(listener.http2().cleartext())
                .setUseAlpn(listener.http2().enabled() && listener.tls() != null)
                .setAlpnVersions(listener.http2().enabled() ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
                // a stream's head is bounded as HTTP/1's is, however many CONTINUATION frames carry it
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(listener.http2().maxConcurrentStreams())
                        .setMaxHeaderListSize(limits.maxHeaderBytes()))
                .setHttp2RstFloodMaxRstFramePerWindow(listener.http2().maxResetsPerMinute())
                .setHttp2RstFloodWindowDuration(1)
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.MINUTES)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setHandle100ContinueAutomatically(false)
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                .setAcceptBacklog(4096);
    }

    /**
     * Starts a listener: each new connection is counted against {@code caps} (closed at once past
     * them), gets the strict decoder, and the head and body deadlines of {@code timeouts}.
     */
    public static Future<HttpServer> start(Vertx vertx, HttpServerOptions options, DataPlaneHandler handler, ConnectionCaps caps,
                                           Timeouts timeouts) {
        HttpServer server = vertx.createHttpServer(options);
        server.connectionHandler(connection -> {
            if (!caps.admit(connection)) {
                return;
            }
            StrictRequestDecoder.install(connection, options);
            SlowClientGuard.install(connection, timeouts.headerMs(), timeouts.bodyMs(), caps.slow, handler::timedOut);
            Http2HeadDeadline.install(connection, timeouts.headerMs(), caps.slow);
        });
        server.requestHandler(request -> {
            if (request.version() == HttpVersion.HTTP_2) { // no HTTP/1 decoder to watch: a deadline per stream instead
                StreamBodyDeadline.arm(request, timeouts.bodyMs(), caps.slow, handler::timedOut);
            }
            handler.handle(request);
        });
        server.invalidRequestHandler(handler::unreadable);
        return server.listen();
    }
}
