package dev.warden.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x's HTTP/1 request decoder, made strict where the default is lenient: a request carrying
 * both {@code Transfer-Encoding: chunked} and {@code Content-Length} is a decoding failure (400
 * and the connection closed) instead of having its Content-Length silently dropped. Two parsers
 * disagreeing on such a request's length is how requests are smuggled (RFC 9112 6.1, 11.2).
 *
 * <p>Installed per connection by {@link #install}; relies on Vert.x's internal handler name
 * {@code httpDecoder} and is checked by the raw-socket tests.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding");
    }

    /** Swaps the decoder of a new HTTP/1 connection; HTTP/2 connections have none and are left alone. */
    static void install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get("httpDecoder") instanceof VertxHttpRequestDecoder current && !(current instanceof StrictRequestDecoder)) {
            pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
        }
    }
}
