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
    private final StreamUsage tokens = new StreamUsage();
    private String model;
    private String finishReason;

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
                tokens.messageStart(e);
                model = e.path("message").path("model").asText(null);
            }
            case "content_block_delta" -> {
                if ("text_delta".equals(e.path("delta").path("type").asText())) {
                    text.append(e.path("delta").path("text").asText(""));
                }
            }
            case "message_delta" -> {
                tokens.messageDelta(e);
                finishReason = e.path("delta").path("stop_reason").asText(finishReason);
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
    public String model() {
        return model;
    }

    @Override
    public String finishReason() {
        return finishReason;
    }

    @Override
    public Usage usage() {
        return tokens.usage();
    }

    @Override
    public String text() {
        return text.toString();
    }
}
