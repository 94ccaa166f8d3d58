package dev.warden.proxy;

import dev.warden.config.FieldMask;
import dev.warden.exchange.OutputCheck;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Usage;
import dev.warden.provider.StreamTranslator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays a stream across APIs: each upstream event is parsed ({@link SseEventParser}) and handed
 * to a {@link StreamTranslator}, and only what it produces reaches the client, one {@code data:}
 * line per event (named where the client's API names them). The usage and text the translator
 * reads become the exchange's. A broken stream, or an upstream's own error event, ends with a
 * terminal error event in the client's shape ({@link StreamErrors}); so does a block by the tenant's
 * output guardrails, which check the translated text as it grows (the blocking event is not passed on).
 */
final class TranslatingSseRelay extends Relay {
    private final StreamTranslator translator;
    private final SseEventParser parser;
    private final boolean anthropicClient;
    private Buffer out;
    private String broken;
    private int textSeen;
    /** The tenant's guardrails on the answer (null: none). */
    private final OutputCheck check;
    private String blockedBy;
    /** The fields the caller does not see (null: none), removed from each event. */
    private final FieldMask hidden;

    TranslatingSseRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
                        int maxEventBytes, StreamTranslator translator, boolean anthropicClient) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.translator = translator;
        this.anthropicClient = anthropicClient;
        this.parser = new SseEventParser(maxEventBytes, this::onEvent);
        this.check = exchange.get(RequestContext.OUTPUT_CHECK);
        this.hidden = exchange.get(RequestContext.ANSWER_FIELDS);
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (broken != null) {
            return;
        }
        out = Buffer.buffer(chunk.length() + 64);
        try {
            parser.feed(chunk);
        } catch (SseEventParser.TooLarge e) {
            broken = "upstream_sse_invalid";
        }
        flush();
        if (broken != null) {
            abort(null, broken);
        }
    }

    private void onEvent(SseEventParser.Event event) {
        if (broken != null || event.data() == null) {
            return;
        }
        int before = out.length();
        StreamTranslator.Step step = translator.onEvent(event.event(), event.data(), this::write);
        if (step == StreamTranslator.Step.MALFORMED) {
            broken = "upstream_sse_invalid";
        } else if (step == StreamTranslator.Step.UPSTREAM_ERROR) {
            broken = "upstream_error_event";
        }
        blockedBy = read();
        if (blockedBy != null) { // what this event produced is billed, not passed on; the stream ends with the guardrail's error
            out = out.getBuffer(0, before);
            broken = "guardrail_blocked";
        }
    }

    private void write(String name, String data) {
        if (hidden != null) {
            data = AnswerFields.stripChunk(data, hidden);
        }
        if (name != null) {
            out.appendString("event: ").appendString(name).appendString("\n");
        }
        out.appendString("data: ").appendString(data).appendString("\n\n");
    }

    /**
     * What the translator read so far becomes the exchange's (the usage once reported; the text as
     * it grows), the new text checked by the output guardrails; returns the rule that stops the answer, or null.
     */
    private String read() {
        String text = translator.text();
        String rule = null;
        if (text.length() > textSeen) {
            String piece = text.substring(textSeen);
            exchange.appendOutput(piece);
            textSeen = text.length();
            rule = check == null ? null : check.feed(piece);
        }
        Usage usage = translator.usage();
        if (usage != null) {
            exchange.usage(usage);
        }
        answerNames(translator.model(), translator.finishReason());
        return rule;
    }

    private void flush() {
        if (out != null && out.length() > 0) {
            write(out);
        }
        out = null;
    }

    @Override
    protected Buffer onEnd() {
        out = Buffer.buffer();
        translator.onEnd(this::write);
        blockedBy = read();
        if (blockedBy != null) {
            out = null;
            abort(null, "guardrail_blocked");
            return null;
        }
        Buffer last = out;
        out = null;
        return last.length() == 0 ? null : last;
    }

    @Override
    protected boolean onAbort(String reason) {
        client.write(StreamErrors.terminal(reason, exchange.requestId(), anthropicClient, blockedBy));
        return true;
    }
}
