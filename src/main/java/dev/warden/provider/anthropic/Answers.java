package dev.warden.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.Usage;
import dev.warden.provider.Answer;

/** A whole answer from one API in the other's shape: an Anthropic message as a chat completion, and back. */
public final class Answers {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Answers() {
    }

    /** An Anthropic message as an OpenAI chat completion; null if it is not a message. */
    public static Answer messageToChat(JsonNode message) {
        if (!"message".equals(message.path("type").asText())) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = MAPPER.createArrayNode();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText(""));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", block.path("input").isMissingNode() ? "{}" : block.get("input").toString());
                }
                default -> { } // thinking blocks are the model's, not the answer's
            }
        }
        ObjectNode out = MAPPER.createObjectNode();
        out.put("id", message.path("id").asText()).put("object", "chat.completion").put("created", System.currentTimeMillis() / 1000)
                .put("model", message.path("model").asText());
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        ObjectNode msg = choice.putObject("message").put("role", "assistant");
        if (text.isEmpty() && !calls.isEmpty()) {
            msg.putNull("content");
        } else {
            msg.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            msg.set("tool_calls", calls);
        }
        choice.put("finish_reason", StopReasons.toOpenAi(message.path("stop_reason").asText(null)));
        Usage usage = usage(message.path("usage"));
        if (usage != null) {
            out.putObject("usage").put("prompt_tokens", usage.inputTokens()).put("completion_tokens", usage.outputTokens())
                    .put("total_tokens", usage.totalTokens());
        }
        return new Answer(out, usage, text.toString());
    }

    /** An OpenAI chat completion (its first choice) as an Anthropic message; null if it is not one. */
    public static Answer chatToMessage(JsonNode completion) {
        JsonNode choice = completion.path("choices").path(0);
        if (!choice.isObject()) {
            return null;
        }
        JsonNode msg = choice.path("message");
        ObjectNode out = MAPPER.createObjectNode();
        String id = completion.path("id").asText("");
        out.put("id", id.startsWith("msg_") ? id : "msg_" + id).put("type", "message").put("role", "assistant")
                .put("model", completion.path("model").asText());
        ArrayNode content = out.putArray("content");
        String text = msg.path("content").isTextual() ? msg.get("content").textValue() : "";
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : msg.path("tool_calls")) {
            ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                    .put("name", call.path("function").path("name").asText());
            use.set("input", arguments(call.path("function").path("arguments").asText("{}")));
        }
        out.put("stop_reason", StopReasons.toAnthropic(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        JsonNode u = completion.path("usage");
        Usage usage = null;
        if (u.isObject()) {
            usage = new Usage(Math.max(0, u.path("prompt_tokens").asLong(0)), Math.max(0, u.path("completion_tokens").asLong(0)));
        }
        out.putObject("usage").put("input_tokens", usage == null ? 0 : usage.inputTokens())
                .put("output_tokens", usage == null ? 0 : usage.outputTokens());
        return new Answer(out, usage, text);
    }

    /** A tool call's arguments as the object Anthropic wants (an unreadable string is kept under {@code _raw}). */
    static JsonNode arguments(String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (JsonProcessingException e) {
            // below
        }
        return MAPPER.createObjectNode().put("_raw", json);
    }

    /** The usage of an Anthropic message, or null. */
    public static Usage usageOf(JsonNode message) {
        return usage(message.path("usage"));
    }

    /** Anthropic usage: every input token counts, cached or not. Null if there are no counts. */
    static Usage usage(JsonNode u) {
        if (!u.isObject() || !u.has("input_tokens") && !u.has("output_tokens")) {
            return null;
        }
        long in = Math.max(0, u.path("input_tokens").asLong(0)) + Math.max(0, u.path("cache_creation_input_tokens").asLong(0))
                + Math.max(0, u.path("cache_read_input_tokens").asLong(0));
        return new Usage(in, Math.max(0, u.path("output_tokens").asLong(0)));
    }
}
