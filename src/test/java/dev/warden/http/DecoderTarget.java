package dev.warden.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;

/**
 * Fuzz target ({@code ParsersFuzzTest}): the strict HTTP/1 request decoder on any bytes, fed in up
 * to four pieces. It never throws: what it produces is a request part, or one marked as a decoding
 * failure (the connection is then answered 400 and closed).
 */
public final class DecoderTarget {
    private static final HttpServerOptions OPTIONS = new HttpServerOptions().setMaxHeaderSize(8192).setMaxInitialLineLength(2048);

    private DecoderTarget() {
    }

    public static void fuzz(FuzzedDataProvider data) {
        int pieces = data.consumeInt(1, 4);
        byte[] bytes = data.consumeRemainingAsBytes();
        EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(OPTIONS));
        try {
            int from = 0;
            for (int i = 1; i <= pieces; i++) {
                int to = i == pieces ? bytes.length : Math.min(bytes.length, from + bytes.length / pieces);
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, from, to - from));
                from = to;
            }
            Object out;
            while ((out = channel.readInbound()) != null) {
                try {
                    if (out instanceof HttpObject o) {
                        DecoderResult r = o.decoderResult();
                        assertThat(r.isSuccess() || r.isFailure()).isTrue();
                    }
                } finally {
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
