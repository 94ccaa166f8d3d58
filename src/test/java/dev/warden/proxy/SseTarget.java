package dev.warden.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.warden.config.FieldMask;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz target ({@code ParsersFuzzTest}): the upstream event-stream parser on any bytes, cut into
 * any chunks, then the relay's reading and rewriting of each event. Never throws but its one
 * refusal ({@code TooLarge}), the events do not depend on where the network cut the stream, and
 * what the relay writes of an event is one line.
 */
public final class SseTarget {
    private static final int MAX_EVENT = 4096;
    private static final FieldMask HIDDEN = new FieldMask(List.of("choices[].message.tool_calls", "usage", "choices[].logprobs"));

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
        if (whole != null) {
            whole.forEach(SseTarget::relayed);
        }
    }

    /**
     * What the relay makes of an event: the scan of its data never throws, and data it finds valid
     * is written as one line (a CR or LF in it would forge events at the client), with or without
     * fields hidden; JSON the scan accepts is JSON the relay can re-encode.
     */
    private static void relayed(SseEventParser.Event event) {
        String data = event.data();
        if (data == null || data.equals("[DONE]")) {
            return;
        }
        assertThat(data).as("the parser splits lines at CR too").doesNotContain("\r");
        if (!UsageReader.scan(data).valid()) {
            return; // the relay ends the stream here
        }
        for (FieldMask hidden : new FieldMask[] {null, HIDDEN}) {
            assertThat(SseRelay.dataLine(data, hidden)).doesNotContain("\n").doesNotContain("\r");
        }
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
