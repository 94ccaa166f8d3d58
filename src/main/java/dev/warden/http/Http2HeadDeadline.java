package dev.warden.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP/2's counterpart of {@link SlowClientGuard}'s head deadline, per connection: a connection
 * with no stream open that keeps sending bytes must complete a request head within
 * {@code headerMs} of the first of them, or (if they were still coming in the second half of that
 * time) it is sent GOAWAY and closed. A head's HEADERS and
 * CONTINUATION frames open no stream until the last of them, so without this a client could
 * trickle a head's fragments (a slowloris of CONTINUATION frames, each under the header cap) and
 * keep a connection forever: the idle timeout never fires while bytes flow. The frames are not
 * parsed here: Netty's codec says whether a stream opened ({@code lastStreamCreated}) or is open.
 * A connection that only pings, with no request, is closed likewise; the idle timeout covers one
 * that sends nothing, and each stream's body has {@link StreamBodyDeadline}.
 */
final class Http2HeadDeadline extends ChannelInboundHandlerAdapter {
    private final Http2ConnectionHandler codec;
    private final long headerNanos;
    private final LongAdder timedOut;
    private boolean armed;
    /** The last stream the client had opened when the deadline was armed. */
    private int lastStreamAtArm;
    private long armedAt;
    private long lastRead;

    private Http2HeadDeadline(Http2ConnectionHandler codec, long headerMs, LongAdder timedOut) {
        this.codec = codec;
        this.headerNanos = TimeUnit.MILLISECONDS.toNanos(headerMs);
        this.timedOut = timedOut;
    }

    /** Adds the deadline to an HTTP/2 connection (others are left alone). */
    static void install(HttpConnection connection, long headerMs, LongAdder timedOut) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        ChannelHandler handler = pipeline.get("handler");
        if (!(handler instanceof Http2ConnectionHandler codec) || pipeline.get("wardenH2Head") != null) {
            return;
        }
        pipeline.addBefore("handler", "wardenH2Head", new Http2HeadDeadline(codec, headerMs, timedOut));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (armed) {
            lastRead = System.nanoTime();
        } else if (msg instanceof ByteBuf b && b.isReadable() && codec.connection().numActiveStreams() == 0) {
            armed = true;
            lastStreamAtArm = codec.connection().remote().lastStreamCreated();
            armedAt = System.nanoTime();
            lastRead = armedAt;
            // up to half as long again, at random, as for HTTP/1: a crowd is not cut in one burst
            long delay = headerNanos + ThreadLocalRandom.current().nextLong(headerNanos / 2 + 1);
            ctx.executor().schedule(() -> check(ctx), delay, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    private void check(ChannelHandlerContext ctx) {
        armed = false;
        Http2Connection connection = codec.connection();
        if (!ctx.channel().isActive() || connection.numActiveStreams() > 0 || connection.remote().lastStreamCreated() != lastStreamAtArm) {
            return; // a head completed meanwhile, or a request is under way: re-armed by the next bytes with no stream open
        }
        if (lastRead - armedAt < headerNanos / 2) {
            return; // a few frames, then quiet (a WINDOW_UPDATE after an answer): the idle timeout's to judge
        }
        timedOut.increment();
        codec.goAway(ctx, connection.remote().lastStreamCreated(), Http2Error.NO_ERROR.code(), ctx.alloc().buffer(0), ctx.newPromise());
        ctx.flush();
        ctx.close();
    }
}
