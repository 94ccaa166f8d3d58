package dev.warden.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import dev.warden.problem.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;

/**
 * Fuzz target ({@code ParsersFuzzTest}): the strict HTTP/1 request decoder on any bytes, fed in up
 * to four pieces, then the request guard on each head it decoded, and on the same bytes read as
 * HTTP/2 fields (no HTTP/1 decoder in front). Neither throws: the decoder produces a request part,
 * or one marked as a decoding failure (the connection is then answered 400 and closed); the guard
 * refuses with a 4xx and a reason, or accepts only unambiguous headers.
 */
public final class DecoderTarget {
    private static final long MAX_BODY = 1 << 20;
    private static final HttpServerOptions OPTIONS = new HttpServerOptions().setMaxHeaderSize(8192).setMaxInitialLineLength(2048);

    private DecoderTarget() {
    }

    /**
     * What the decoder let through, past the request guard: refused with a stable code, or accepted
     * only with one meaning for every header the gateway or an upstream acts on.
     */
    private static void guard(HttpRequest request) {
        MultiMap headers = request.headers() instanceof MultiMap m ? m : new HeadersAdaptor(request.headers());
        check(request.protocolVersion().minorVersion() == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, headers);
    }

    private static void check(HttpVersion version, MultiMap headers) {
        GatewayError refused = RequestGuard.checkHeaders(version, headers, "application/json", MAX_BODY);
        if (refused != null) {
            assertThat(refused.status()).isBetween(400, 499);
            assertThat(refused.reason()).isNotBlank();
            return;
        }
        for (String single : new String[] {"Host", "Content-Length", "Content-Type", "Authorization", "X-API-Key", "X-Tenant-ID",
            "Transfer-Encoding"}) {
            assertThat(headers.getAll(single)).as(single).hasSizeLessThanOrEqualTo(1);
        }
        if (version == HttpVersion.HTTP_1_1) {
            assertThat(headers.get("Host")).isNotEmpty();
        }
        String length = headers.get("Content-Length");
        if (length != null) {
            assertThat(length).matches("[0-9]{1,12}");
            assertThat(Long.parseLong(length)).isLessThanOrEqualTo(MAX_BODY);
            assertThat(headers.contains("Transfer-Encoding")).isFalse();
        }
        headers.forEach((name, value) -> {
            assertThat(name).doesNotContain("_").matches("[!#$%&'*+.^`|~0-9A-Za-z-]+");
            assertThat(value).doesNotContain("\r").doesNotContain("\n").doesNotContain("\0")
                    .doesNotStartWith(" ").doesNotStartWith("\t").doesNotEndWith(" ").doesNotEndWith("\t");
        });
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
                        if (o instanceof HttpRequest request && r.isSuccess()) {
                            guard(request);
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        guardHttp2(bytes);
    }

    /**
     * The same bytes as HTTP/2 would deliver them: HPACK carries any octets, and HTTP/2's decoder
     * lets through names and values HTTP/1's would refuse (a name with a space reached the upstream
     * head once). Each line after the first is a field, split at its first colon, nothing trimmed.
     */
    private static void guardHttp2(byte[] bytes) {
        String[] lines = new String(bytes, StandardCharsets.ISO_8859_1).split("\r\n", 64);
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':', 1);
            if (colon > 0) {
                headers.add(lines[i].substring(0, colon), lines[i].substring(colon + 1));
            }
        }
        check(HttpVersion.HTTP_2, headers);
    }
}
