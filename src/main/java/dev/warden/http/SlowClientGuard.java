package dev.warden.http;

import dev.warden.problem.ClientErrors;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Deadlines for slow clients on one HTTP/1 connection (slowloris, a 1 byte/s body): once the first
 * byte of a request arrives, its head must be complete within {@code headerMs} and then its body
 * within {@code bodyMs}; otherwise the connection is answered 408 and closed. The idle timeout
 * keeps covering connections that send nothing; a request the gateway is working on (after its
 * last byte) has no deadline here.
 *
 * <p>Two small handlers share one state: one before Vert.x's decoder sees raw bytes arrive, one
 * after it sees the head and the end of each request. At most one check task is scheduled per
 * connection at a time (re-armed only while a request is being received), so a fast keep-alive
 * client costs no timer per request. Each 408 is recorded once by {@code onTimeout} (security log,
 * audit, metrics), which names the request id the answer carries.
 */
final class SlowClientGuard {
    private static final String TIMEOUT_BODY = ClientErrors.openAi(GatewayError.of(ErrorCode.REQUEST_TIMEOUT, "The request was sent too slowly."));

    private enum Phase { IDLE, HEAD, BODY, DONE }

    private final long headerNanos;
    private final long bodyNanos;
    private final LongAdder timedOut;
    private final Function<String, String> onTimeout;
    private Phase phase = Phase.IDLE;
    private long deadline;
    private boolean checkPending;

    private SlowClientGuard(long headerMs, long bodyMs, LongAdder timedOut, Function<String, String> onTimeout) {
        this.onTimeout = onTimeout;
        this.headerNanos = TimeUnit.MILLISECONDS.toNanos(headerMs);
        this.bodyNanos = TimeUnit.MILLISECONDS.toNanos(bodyMs);
        this.timedOut = timedOut;
    }

    /**
     * Adds the guard to a new HTTP/1 connection (HTTP/2 connections have no HTTP/1 decoder and are
     * left alone). {@code onTimeout} records a 408 for the client's address and returns its request id.
     */
    static void install(HttpConnection connection, long headerMs, long bodyMs, LongAdder timedOut,
                        Function<String, String> onTimeout) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get("httpDecoder") == null || pipeline.get("wardenRawGuard") != null) {
            return;
        }
        SlowClientGuard guard = new SlowClientGuard(headerMs, bodyMs, timedOut, onTimeout);
        pipeline.addBefore("httpDecoder", "wardenRawGuard", guard.new Raw());
        pipeline.addAfter("httpDecoder", "wardenDecodedGuard", guard.new Decoded());
    }

    /** Bytes arrive: the first ones of a request start its head deadline. */
    private final class Raw extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if ((phase == Phase.IDLE || phase == Phase.DONE) && msg instanceof ByteBuf b && b.isReadable()) {
                phase = Phase.HEAD;
                // up to half as long again, at random: a crowd that connected together is not cut (and
                // does not reconnect) in one burst that stalls everyone else's requests
                arm(ctx, System.nanoTime() + headerNanos + ThreadLocalRandom.current().nextLong(headerNanos / 2 + 1));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** The decoder's view: a head ends the head deadline and starts the body's; the last content ends it. */
    private final class Decoded extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest && phase == Phase.HEAD) {
                phase = Phase.BODY;
                deadline = System.nanoTime() + bodyNanos;
            }
            if (msg instanceof LastHttpContent) {
                phase = Phase.DONE;
            }
            ctx.fireChannelRead(msg);
        }
    }

    private void arm(ChannelHandlerContext ctx, long at) {
        deadline = at;
        if (!checkPending) {
            checkPending = true;
            ctx.executor().schedule(() -> check(ctx), Math.max(1, at - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        checkPending = false;
        if (phase != Phase.HEAD && phase != Phase.BODY || !ctx.channel().isActive()) {
            return; // the request arrived whole meanwhile
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            arm(ctx, deadline); // a later request, or the body's own deadline
            return;
        }
        timedOut.increment();
        phase = Phase.DONE; // answered: no further deadline on this connection
        String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "unknown";
        String requestId = onTimeout.apply(remote);
        byte[] answer = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\nX-Request-ID: " + requestId
                + "\r\nConnection: close\r\nContent-Length: " + TIMEOUT_BODY.length() + "\r\n\r\n" + TIMEOUT_BODY).getBytes(StandardCharsets.US_ASCII);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
    }
}
