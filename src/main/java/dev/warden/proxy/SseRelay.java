package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.FieldMask;
import dev.warden.exchange.OutputCheck;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Relays a server-sent-event stream event by event. Each upstream event is parsed, its data checked
 * to be one JSON value (or {@code [DONE]}), and re-serialized: one {@code data:} line per event,
 * so nothing an upstream puts in a value can split or forge events. Usage is read from the usage
 * chunk; that chunk is passed on only if the client asked for it ({@code include_usage}). A broken
 * stream ends with a terminal {@code event: error}. When the cache asks for it
 * ({@link RequestContext#KEEP_STREAM_BYTES}), what the client was sent is kept, up to that size, as
 * the exchange's response body for a complete stream.
 */
final class SseRelay extends Relay {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final boolean passUsageChunk;
    private final SseEventParser parser;
    private Buffer out;
    private boolean broken;
    /** What the client was sent, for the cache (null: not wanted, or past the size). */
    private Buffer kept;
    private final int keepBytes;
    /** The tenant's guardrails on the answer (null: none); the rule that ended the stream. */
    private final OutputCheck check;
    private String blockedBy;
    /** The fields the caller does not see (null: none), removed from each event. */
    private final FieldMask hidden;

    SseRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
             int maxEventBytes, boolean passUsageChunk) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.passUsageChunk = passUsageChunk;
        this.parser = new SseEventParser(maxEventBytes, this::onEvent);
        Integer keep = exchange.get(RequestContext.KEEP_STREAM_BYTES);
        this.keepBytes = keep == null ? 0 : keep;
        this.kept = keep == null ? null : Buffer.buffer();
        this.check = exchange.get(RequestContext.OUTPUT_CHECK);
        this.hidden = exchange.get(RequestContext.ANSWER_FIELDS);
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (broken) {
            return;
        }
        out = Buffer.buffer(chunk.length() + 16);
        try {
            parser.feed(chunk);
        } catch (SseEventParser.TooLarge e) {
            broken = true;
        }
        if (out.length() > 0) {
            write(out);
            if (kept != null) {
                kept = kept.length() + out.length() <= keepBytes ? kept.appendBuffer(out) : null;
            }
        }
        out = null;
        if (broken) {
            abort(null, blockedBy != null ? "guardrail_blocked" : "upstream_sse_invalid");
        }
    }

    private void onEvent(SseEventParser.Event event) {
        if (broken || event.data() == null) {
            return;
        }
        String data = event.data();
        if (data.equals("[DONE]")) {
            out.appendBytes(DATA).appendString("[DONE]").appendBytes(END);
            return;
        }
        UsageReader.Scan scan = UsageReader.scan(data);
        if (!scan.valid()) {
            broken = true;
            return;
        }
        if (scan.responseId() != null && exchange.get(RequestContext.RESPONSE_OBJECT_ID) == null) {
            exchange.put(RequestContext.RESPONSE_OBJECT_ID, scan.responseId());
        }
        answerNames(scan);
        if (scan.text() != null) {
            exchange.appendOutput(scan.text()); // produced: billed, whether it is passed on or not
            String rule = check == null ? null : check.feed(scan.text());
            if (rule != null) {
                blockedBy = rule; // this event is not passed on; the stream ends with the guardrail's error
                broken = true;
                return;
            }
        }
        if (scan.usage() != null) {
            exchange.usage(scan.usage());
            if (!passUsageChunk && scan.choicesEmpty()) {
                return;
            }
        }
        if (event.event() != null && isToken(event.event()) && !event.event().equals("message")) {
            out.appendString("event: ").appendString(event.event()).appendString("\n");
        }
        out.appendBytes(DATA).appendString(dataLine(data, hidden)).appendBytes(END);
    }

    @Override
    protected Buffer onEnd() {
        if (kept != null && !broken) {
            exchange.put(RequestContext.RESPONSE_BODY, kept);
        }
        return null; // an event without its blank line at the end of the stream is dropped, as the spec says
    }

    @Override
    protected boolean onAbort(String reason) {
        client.write(StreamErrors.terminal(reason, exchange.requestId(), false, blockedBy));
        return true;
    }

    /**
     * What follows {@code data: } for an event whose data scanned as valid JSON: without the fields
     * the caller may not see ({@code hidden}, null: none), on one line (the parser never delivers
     * a CR; multi-line data, JSON whitespace between tokens, is re-encoded).
     */
    static String dataLine(String data, FieldMask hidden) {
        String line = hidden == null ? data : AnswerFields.stripChunk(data, hidden);
        return line.indexOf('\n') < 0 ? line : compact(line);
    }

    /** Multi-line data (JSON whitespace between tokens): re-encoded on one line. */
    private static String compact(String data) {
        try {
            return MAPPER.readTree(data).toString();
        } catch (IOException e) {
            throw new IllegalStateException("scanned as valid, then unreadable", e);
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
