package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.FieldMask;
import dev.warden.exchange.OutputCheck;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.provider.Answer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.util.function.Function;

/**
 * Relays a whole answer across APIs: it is held (up to the response cap), translated once it has
 * ended, and sent with its own length. The usage and text come from the translation. An answer
 * that is not what the upstream's API promises, or is larger than the cap, is never passed on
 * half-understood: the client gets 502 {@code upstream_protocol_error} (nothing was sent yet). The
 * tenant's output guardrails check its text first: a block answers 400 {@code guardrail_blocked}.
 */
final class TranslatingJsonRelay extends Relay {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final int maxBytes;
    private final Function<JsonNode, Answer> translate;
    private final boolean anthropicClient;
    private Buffer held = Buffer.buffer();
    /** The tenant's guardrails on the answer (null: none). */
    private final OutputCheck check;

    TranslatingJsonRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
                         int maxBytes, Function<JsonNode, Answer> translate, boolean anthropicClient) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.maxBytes = maxBytes;
        this.translate = translate;
        this.anthropicClient = anthropicClient;
        this.check = exchange.get(RequestContext.OUTPUT_CHECK);
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (held != null && held.length() + chunk.length() <= maxBytes) {
            held.appendBuffer(chunk);
        } else {
            held = null;
        }
    }

    @Override
    protected Buffer onEnd() {
        Answer answer = held == null ? null : answer(held.getBytes());
        if (answer == null) {
            return refuse(GatewayError.of(ErrorCode.UPSTREAM_PROTOCOL_ERROR, "The model server's answer could not be read.",
                    "upstream_answer_unreadable"), anthropicClient);
        }
        JsonNode said = answer.body(); // the client's shape: OpenAI's finish_reason or Anthropic's stop_reason
        answerNames(said.path("model").isTextual() ? said.get("model").textValue() : null,
                said.at("/choices/0/finish_reason").isTextual() ? said.at("/choices/0/finish_reason").textValue()
                        : said.path("stop_reason").isTextual() ? said.get("stop_reason").textValue() : null);
        if (answer.usage() != null) {
            exchange.usage(answer.usage());
        } else if (answer.text() != null) {
            exchange.appendOutput(answer.text());
        }
        String rule = check == null || answer.text() == null ? null : check.feed(answer.text());
        if (rule != null) { // produced, so billed; never passed on, never cached
            return refuse(OutputRefusal.blocked(rule), anthropicClient);
        }
        FieldMask hidden = exchange.get(RequestContext.ANSWER_FIELDS);
        if (hidden != null) {
            hidden.strip(answer.body());
        }
        Buffer out = Buffer.buffer(answer.body().toString());
        exchange.put(RequestContext.RESPONSE_BODY, out); // for payload logging (opt-in) and the response cache
        client.setChunked(false);
        client.headers().remove("Transfer-Encoding");
        client.headers().set("Content-Type", "application/json").set("Content-Length", Integer.toString(out.length()));
        return out;
    }

    private Answer answer(byte[] body) {
        try {
            JsonNode tree = MAPPER.readTree(body);
            return tree == null || !tree.isObject() ? null : translate.apply(tree);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    protected boolean onAbort(String reason) {
        return false; // nothing was sent: the connection is cut
    }
}
