package dev.warden.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventParserTest {
    private final List<SseEventParser.Event> events = new ArrayList<>();
    private final SseEventParser parser = new SseEventParser(1024, events::add);

    private void feed(String... chunks) {
        for (String c : chunks) {
            parser.feed(Buffer.buffer(c));
        }
    }

    @Test
    void linesEndAtCrLfOrCrlfEvenAcrossChunks() {
        feed("data: a\r", "\ndata: b\n", "\n", "data: c\r\r", "data: d\r\n\r\n");
        assertThat(events).extracting(SseEventParser.Event::data).containsExactly("a\nb", "c", "d");
    }

    @Test
    void aRawCarriageReturnSplitsTheLineAsABrowserWould() {
        feed("data: {\"x\":\"1\revent: error\rdata: 2\"}\n\n");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).event()).isEqualTo("error");
        assertThat(events.get(0).data()).isEqualTo("{\"x\":\"1\n2\"}");
    }

    @Test
    void commentsRetryAndUnknownFieldsAreDroppedAndEventsKeepTheirName() {
        feed(": ping\n\nretry: 10\nfoo: bar\nevent: done\nid: 7\ndata:x\n\n");
        assertThat(events).containsExactly(new SseEventParser.Event("done", "7", "x"));
    }

    @Test
    void anUnterminatedEventIsNotDispatched() {
        feed("data: half");
        assertThat(events).isEmpty();
    }

    @Test
    void anOversizedEventIsRefused() {
        assertThatThrownBy(() -> feed("data: " + "x".repeat(2000))).isInstanceOf(SseEventParser.TooLarge.class);
    }
}
