package dev.warden.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI chat completion request as an Anthropic Messages request: system and developer
 * messages become {@code system}; user, assistant and tool turns become content blocks (text,
 * images, {@code tool_use}, {@code tool_result}; consecutive turns of one role merged, as the API
 * wants them alternating); tools, {@code tool_choice}, stop sequences, temperature (clamped to
 * Anthropic's 0..1), {@code top_p}, the end user and the output cap are carried over. What has no
 * Anthropic form is refused ({@code n} above 1, JSON response formats, audio and file parts);
 * fields that only tune sampling ({@code frequency_penalty}, {@code seed}...) are dropped and
 * reported to the client.
 */
public final class ChatToMessages {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Read here (or by the gateway, which already acted on them). */
    private static final Set<String> HANDLED = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "stream",
            "stream_options", "temperature", "top_p", "stop", "tools", "tool_choice", "parallel_tool_calls", "user", "n",
            "response_format");

    private ChatToMessages() {
    }

    /**
     * {@code chat} for the Messages API of {@code upstreamModel}, producing at most {@code maxTokens}
     * (the cap admission reserved for); {@code endUser}: the namespaced end user, or null.
     */
    public static Translated translate(JsonNode chat, String upstreamModel, int maxTokens, String endUser) {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("model", upstreamModel);
        out.put("max_tokens", maxTokens);
        JsonNode n = chat.get("n");
        if (n != null && n.isIntegralNumber() && n.intValue() > 1) {
            return refuse("'n' above 1 is not offered by the model's provider (anthropic).", "n_unsupported");
        }
        JsonNode format = chat.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
            return refuse("'response_format' " + format.path("type").asText() + " is not offered by the model's provider (anthropic).",
                    "response_format_unsupported");
        }
        StringBuilder system = new StringBuilder();
        ArrayNode messages = out.putArray("messages");
        JsonNode in = chat.get("messages");
        if (in == null || !in.isArray()) {
            return refuse("'messages' must be a list.", "messages_malformed");
        }
        for (JsonNode m : in) {
            GatewayError error = message(m, system, messages);
            if (error != null) {
                return Translated.refused(error);
            }
        }
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        JsonNode temperature = chat.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            out.put("temperature", Math.max(0, Math.min(1.0, temperature.doubleValue())));
        }
        copyIfNumber(chat, out, "top_p", "top_p");
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.textValue());
        } else if (stop != null && stop.isArray()) {
            out.set("stop_sequences", stop);
        }
        if (chat.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        if (endUser != null) {
            out.putObject("metadata").put("user_id", endUser);
        }
        GatewayError toolError = tools(chat, out);
        if (toolError != null) {
            return Translated.refused(toolError);
        }
        List<String> dropped = new ArrayList<>();
        for (Iterator<String> it = chat.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!HANDLED.contains(f)) {
                dropped.add(f);
            }
        }
        return Translated.ok(out, dropped);
    }

    /** One OpenAI message into {@code system} or {@code messages}; an error if it has no Anthropic form. */
    private static GatewayError message(JsonNode m, StringBuilder system, ArrayNode messages) {
        String role = m.path("role").asText("");
        JsonNode content = m.get("content");
        switch (role) {
            case "system", "developer" -> {
                String text = textOnly(content);
                if (text == null) {
                    return error("A " + role + " message must hold text only.", "system_content_unsupported");
                }
                if (!system.isEmpty() && !text.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(text);
                return null;
            }
            case "user" -> {
                ArrayNode blocks = MAPPER.createArrayNode();
                GatewayError e = contentBlocks(content, blocks);
                if (e != null) {
                    return e;
                }
                append(messages, "user", blocks);
                return null;
            }
            case "assistant" -> {
                ArrayNode blocks = MAPPER.createArrayNode();
                if (content != null && !content.isNull()) {
                    GatewayError e = contentBlocks(content, blocks);
                    if (e != null) {
                        return e;
                    }
                }
                for (JsonNode call : m.path("tool_calls")) {
                    ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                            .put("name", call.path("function").path("name").asText());
                    JsonNode input;
                    try {
                        input = MAPPER.readTree(call.path("function").path("arguments").asText("{}"));
                    } catch (JsonProcessingException ex) {
                        return error("A tool call's arguments must be a JSON object.", "tool_arguments_malformed");
                    }
                    use.set("input", input != null && input.isObject() ? input : MAPPER.createObjectNode());
                }
                if (!blocks.isEmpty()) {
                    append(messages, "assistant", blocks);
                }
                return null;
            }
            case "tool" -> {
                ObjectNode result = MAPPER.createObjectNode().put("type", "tool_result")
                        .put("tool_use_id", m.path("tool_call_id").asText());
                String text = textOnly(content);
                if (text == null) {
                    return error("A tool message must hold text only.", "tool_content_unsupported");
                }
                result.put("content", text);
                append(messages, "user", MAPPER.createArrayNode().add(result));
                return null;
            }
            default -> {
                return error("Messages of role '" + role + "' are not offered by the model's provider (anthropic).", "role_unsupported");
            }
        }
    }

    /** Content (a string, or text and image parts) as Anthropic blocks. */
    private static GatewayError contentBlocks(JsonNode content, ArrayNode blocks) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            if (!content.textValue().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.textValue());
            }
            return null;
        }
        if (!content.isArray()) {
            return error("'content' must be a string or a list of parts.", "content_malformed");
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText(""));
                case "image_url" -> {
                    String url = part.path("image_url").path("url").asText("");
                    ObjectNode source = blocks.addObject().put("type", "image").putObject("source");
                    if (url.startsWith("data:")) {
                        int semi = url.indexOf(';');
                        int comma = url.indexOf(',');
                        if (semi < 0 || comma < semi || !url.substring(semi, comma).equals(";base64")) {
                            return error("An image data URL must be base64 (data:<type>;base64,...).", "image_malformed");
                        }
                        source.put("type", "base64").put("media_type", url.substring(5, semi)).put("data", url.substring(comma + 1));
                    } else {
                        source.put("type", "url").put("url", url);
                    }
                }
                default -> {
                    return error("Content parts of type '" + type + "' are not offered by the model's provider (anthropic).",
                            "content_part_unsupported");
                }
            }
        }
        return null;
    }

    /** Adds a turn, merged into the previous one when it has the same role. */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        if (!messages.isEmpty()) {
            JsonNode last = messages.get(messages.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("content")).addAll(blocks);
                return;
            }
        }
        messages.addObject().put("role", role).set("content", blocks);
    }

    private static GatewayError tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (JsonNode t : tools) {
                if (!"function".equals(t.path("type").asText())) {
                    return error("Tools of type '" + t.path("type").asText() + "' are not offered by the model's provider (anthropic).",
                            "tool_type_unsupported");
                }
                JsonNode f = t.path("function");
                ObjectNode tool = list.addObject().put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    tool.put("description", f.get("description").asText());
                }
                tool.set("input_schema", f.path("parameters").isObject() ? f.get("parameters")
                        : MAPPER.createObjectNode().put("type", "object"));
            }
        }
        JsonNode choice = chat.get("tool_choice");
        ObjectNode mapped = null;
        if (choice != null && choice.isTextual()) {
            String type = Map.of("auto", "auto", "none", "none", "required", "any").get(choice.textValue());
            if (type == null) {
                return error("'tool_choice' must be auto, none, required or a function.", "tool_choice_malformed");
            }
            mapped = MAPPER.createObjectNode().put("type", type);
        } else if (choice != null && choice.isObject()) {
            mapped = MAPPER.createObjectNode().put("type", "tool").put("name", choice.path("function").path("name").asText());
        }
        if (chat.path("parallel_tool_calls").isBoolean() && !chat.get("parallel_tool_calls").booleanValue() && out.has("tools")) {
            mapped = mapped == null ? MAPPER.createObjectNode().put("type", "auto") : mapped;
            mapped.put("disable_parallel_tool_use", true);
        }
        if (mapped != null && !(mapped.path("type").asText().equals("none") && !out.has("tools"))) {
            out.set("tool_choice", mapped);
        }
        return null;
    }

    /** The text of a string, or of a list of text parts; null if it holds anything else. */
    static String textOnly(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asText())) {
                return null;
            }
            sb.append(part.path("text").asText(""));
        }
        return sb.toString();
    }

    private static void copyIfNumber(JsonNode from, ObjectNode to, String field, String as) {
        JsonNode v = from.get(field);
        if (v != null && v.isNumber()) {
            to.set(as, v);
        }
    }

    private static GatewayError error(String detail, String reason) {
        return GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason);
    }

    private static Translated refuse(String detail, String reason) {
        return Translated.refused(error(detail, reason));
    }
}
