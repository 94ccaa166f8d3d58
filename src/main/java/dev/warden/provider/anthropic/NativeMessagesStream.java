package dev.warden.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.pipeline.Usage;
import dev.warden.provider.StreamTranslator;
import java.io.IOException;

/**
 * Anthropic's events to an Anthropic client: passed on as they are (each checked to be one JSON
 * object, named by its type, re-serialized on one line), with the usage read from
 * {@code message_start} and {@code message_delta} and the text from its deltas.
 */
public final class NativeMessagesStream implements StreamTranslator {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final StringBuilder text = new StringBuilder();
    private long inputTokens = -1;
    private long outputTokens = -1;

    @Override
    public Step onEvent(String name, String data, Events out) {
        JsonNode e;
        try {
            e = MAPPER.readTree(data);
        } catch (IOException ex) {
            return Step.MALFORMED;
        }
        if (e == null || !e.isObject() || !e.path("type").isTextual()) {
            return Step.MALFORMED;
        }
        String type = e.get("type").textValue();
        switch (type) {
            case "message_start" -> {
                Usage u = Answers.usage(e.path("message").path("usage"));
                if (u != null) {
                    inputTokens = u.inputTokens();
                }
            }
            case "content_block_delta" -> {
                if ("text_delta".equals(e.path("delta").path("type").asText())) {
                    text.append(e.path("delta").path("text").asText(""));
                }
            }
            case "message_delta" -> {
                JsonNode usage = e.path("usage");
                if (usage.has("output_tokens")) {
                    outputTokens = Math.max(0, usage.path("output_tokens").asLong());
                }
                if (usage.has("input_tokens")) {
                    inputTokens = Answers.usage(usage).inputTokens();
                }
            }
            case "error" -> {
                out.event("error", e.toString());
                return Step.UPSTREAM_ERROR;
            }
            default -> { }
        }
        out.event(type.matches("[a-z_]{1,64}") ? type : null, e.toString());
        return Step.OK;
    }

    @Override
    public void onEnd(Events out) {
    }

    @Override
    public Usage usage() {
        return outputTokens < 0 ? null : new Usage(Math.max(0, inputTokens), outputTokens);
    }

    @Override
    public String text() {
        return text.toString();
    }
}
