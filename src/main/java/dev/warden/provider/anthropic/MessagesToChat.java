package dev.warden.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.provider.Translated;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * An Anthropic Messages request as an OpenAI chat completion request (an Anthropic client calling
 * a model on an OpenAI-compatible pool): {@code system} becomes the first message; text and image
 * blocks become content parts; {@code tool_use} blocks become the assistant's {@code tool_calls},
 * {@code tool_result} blocks become {@code tool} messages; tools, {@code tool_choice}, stop
 * sequences, sampling and the end user are carried over. Server tools and documents have no
 * OpenAI form and are refused; thinking blocks and settings are dropped and reported.
 */
public final class MessagesToChat {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> HANDLED = Set.of("model", "messages", "system", "max_tokens", "stream", "temperature", "top_p",
            "stop_sequences", "tools", "tool_choice", "metadata");

    private MessagesToChat() {
    }

    public static Translated translate(JsonNode messages) {
        ObjectNode out = MAPPER.createObjectNode();
        out.set("model", messages.get("model"));
        ArrayNode chat = out.putArray("messages");
        JsonNode system = messages.get("system");
        if (system != null && !system.isNull()) {
            String text = ChatToMessages.textOnly(system);
            if (text == null) {
                return refuse("'system' must be text or text blocks.", "system_malformed");
            }
            chat.addObject().put("role", "system").put("content", text);
        }
        JsonNode in = messages.get("messages");
        if (in == null || !in.isArray()) {
            return refuse("'messages' must be a list.", "messages_malformed");
        }
        List<String> dropped = new ArrayList<>();
        for (JsonNode m : in) {
            GatewayError e = turn(m, chat, dropped);
            if (e != null) {
                return Translated.refused(e);
            }
        }
        if (messages.has("max_tokens")) {
            out.set("max_tokens", messages.get("max_tokens"));
        }
        for (String f : new String[] {"temperature", "top_p"}) {
            if (messages.path(f).isNumber()) {
                out.set(f, messages.get(f));
            }
        }
        if (messages.path("stop_sequences").isArray()) {
            out.set("stop", messages.get("stop_sequences"));
        }
        if (messages.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        if (messages.path("metadata").path("user_id").isTextual()) {
            out.put("user", messages.path("metadata").path("user_id").textValue());
        }
        GatewayError toolError = tools(messages, out);
        if (toolError != null) {
            return Translated.refused(toolError);
        }
        for (Iterator<String> it = messages.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!HANDLED.contains(f)) {
                dropped.add(f);
            }
        }
        return Translated.ok(out, dropped);
    }

    /** One Anthropic turn as OpenAI messages (a user turn with tool results becomes tool messages first). */
    private static GatewayError turn(JsonNode m, ArrayNode chat, List<String> dropped) {
        String role = m.path("role").asText("");
        if (!role.equals("user") && !role.equals("assistant")) {
            return error("Messages of role '" + role + "' are not in the Messages API.", "role_unsupported");
        }
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            chat.addObject().put("role", role).put("content", content.textValue());
            return null;
        }
        if (content == null || !content.isArray()) {
            return error("'content' must be a string or a list of blocks.", "content_malformed");
        }
        ArrayNode parts = MAPPER.createArrayNode();
        ArrayNode calls = MAPPER.createArrayNode();
        for (JsonNode block : content) {
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText(""));
                case "image" -> {
                    JsonNode source = block.path("source");
                    String url = "base64".equals(source.path("type").asText())
                            ? "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText()
                            : source.path("url").asText();
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                }
                case "tool_use" -> {
                    ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", block.path("input").isObject() ? block.get("input").toString() : "{}");
                }
                case "tool_result" -> {
                    String text = ChatToMessages.textOnly(block.get("content"));
                    if (text == null) {
                        return error("A tool result must hold text only.", "tool_result_unsupported");
                    }
                    chat.addObject().put("role", "tool").put("tool_call_id", block.path("tool_use_id").asText()).put("content", text);
                }
                case "thinking", "redacted_thinking" -> {
                    if (!dropped.contains("thinking blocks")) {
                        dropped.add("thinking blocks");
                    }
                }
                default -> {
                    return error("Content blocks of type '" + type + "' are not offered by the model's provider.", "content_block_unsupported");
                }
            }
        }
        if (parts.isEmpty() && calls.isEmpty()) {
            return null;
        }
        ObjectNode msg = chat.addObject().put("role", role);
        if (parts.isEmpty()) {
            msg.putNull("content");
        } else if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
            msg.put("content", parts.get(0).path("text").asText());
        } else {
            msg.set("content", parts);
        }
        if (!calls.isEmpty()) {
            msg.set("tool_calls", calls);
        }
        return null;
    }

    private static GatewayError tools(JsonNode messages, ObjectNode out) {
        JsonNode tools = messages.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (JsonNode t : tools) {
                if (t.has("type") && !"custom".equals(t.path("type").asText())) {
                    return error("Server tools ('" + t.path("type").asText() + "') are not offered by the model's provider.",
                            "tool_type_unsupported");
                }
                ObjectNode f = list.addObject().put("type", "function").putObject("function").put("name", t.path("name").asText());
                if (t.hasNonNull("description")) {
                    f.put("description", t.get("description").asText());
                }
                f.set("parameters", t.path("input_schema").isObject() ? t.get("input_schema") : MAPPER.createObjectNode().put("type", "object"));
            }
        }
        JsonNode choice = messages.get("tool_choice");
        if (choice != null && choice.isObject()) {
            switch (choice.path("type").asText()) {
                case "auto" -> out.put("tool_choice", "auto");
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", choice.path("name").asText());
                default -> {
                    return error("'tool_choice' must be auto, any, none or tool.", "tool_choice_malformed");
                }
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
                out.put("parallel_tool_calls", false);
            }
        }
        return null;
    }

    private static GatewayError error(String detail, String reason) {
        return GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason);
    }

    private static Translated refuse(String detail, String reason) {
        return Translated.refused(error(detail, reason));
    }
}
