package dev.warden.proxy;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental parser of a {@code text/event-stream}, per the WHATWG rules: lines end at CR, LF or
 * CRLF (also across chunk boundaries); a blank line dispatches the event; {@code data} lines are
 * joined with LF; comments and unknown fields are dropped. The gateway re-emits each event it
 * parsed, never the upstream's raw bytes, so a CR or LF an upstream smuggles into a value can
 * never split or forge an event on the client's side.
 */
final class SseEventParser {
    /** One parsed event. {@code data} is null when the event had no data line. */
    record Event(String event, String id, String data) {
    }

    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("event too large", null, false, false);
        }
    }

    private final int maxEventBytes;
    private final Consumer<Event> sink;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private StringBuilder data;
    private String event;
    private String id;
    private boolean lastWasCr;
    private int eventBytes;

    SseEventParser(int maxEventBytes, Consumer<Event> sink) {
        this.maxEventBytes = maxEventBytes;
        this.sink = sink;
    }

    /** Feeds a chunk; complete events go to the sink. Throws {@link TooLarge} past the cap. */
    void feed(Buffer chunk) {
        int n = chunk.length();
        for (int i = 0; i < n; i++) {
            byte b = chunk.getByte(i);
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false;
                    continue; // the LF of a CRLF
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                line.write(b);
                if (++eventBytes > maxEventBytes) {
                    throw new TooLarge();
                }
            }
        }
    }

    private void endLine() {
        if (line.size() == 0) {
            dispatch();
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.charAt(0) == ':') {
            return; // comment
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value.length());
                } else {
                    data.append('\n');
                }
                data.append(value);
            }
            case "event" -> event = value;
            case "id" -> id = value.indexOf('\0') >= 0 ? null : value;
            default -> { } // retry and unknown fields are not relayed
        }
    }

    private void dispatch() {
        if (data != null || event != null) {
            sink.accept(new Event(event, id, data == null ? null : data.toString()));
        }
        data = null;
        event = null;
        id = null;
        eventBytes = 0;
    }
}
