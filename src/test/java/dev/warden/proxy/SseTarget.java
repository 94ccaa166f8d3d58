package dev.warden.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz target ({@code ParsersFuzzTest}): the upstream event-stream parser on any bytes, cut into
 * any chunks. Never throws but its one refusal ({@code TooLarge}), and the events do not depend
 * on where the network cut the stream.
 */
public final class SseTarget {
    private static final int MAX_EVENT = 4096;

    private SseTarget() {
    }

    public static void fuzz(FuzzedDataProvider data) {
        int cuts = data.consumeInt(0, 8);
        int[] at = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            at[i] = data.consumeInt(0, 1 << 16);
        }
        byte[] stream = data.consumeRemainingAsBytes();
        List<SseEventParser.Event> whole = parse(stream, new int[0]);
        List<SseEventParser.Event> chunked = parse(stream, at);
        assertThat(chunked).as("the same events however the stream is cut").isEqualTo(whole);
    }

    /** The events of {@code stream} fed in chunks cut at {@code at} (bytes); null if it was refused as too large. */
    private static List<SseEventParser.Event> parse(byte[] stream, int[] at) {
        List<SseEventParser.Event> events = new ArrayList<>();
        SseEventParser p = new SseEventParser(MAX_EVENT, events::add);
        int[] cuts = at.clone();
        java.util.Arrays.sort(cuts);
        int from = 0;
        try {
            for (int c : cuts) {
                int to = Math.min(stream.length, c);
                if (to > from) {
                    p.feed(Buffer.buffer().appendBytes(stream, from, to - from));
                    from = to;
                }
            }
            p.feed(Buffer.buffer().appendBytes(stream, from, stream.length - from));
        } catch (SseEventParser.TooLarge e) {
            return null;
        }
        return events;
    }
}
