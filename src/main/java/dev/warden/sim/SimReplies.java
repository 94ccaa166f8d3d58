package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Builds the sim's OpenAI-shaped answers. */
final class SimReplies {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private SimReplies() {
    }

    /** The echo model's reply: a JSON object of every request header the sim received. */
    static String headersAsJson(MultiMap headers) {
        Map<String, String> seen = new TreeMap<>();
        for (Map.Entry<String, String> e : headers) {
            seen.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b);
        }
        return MAPPER.valueToTree(seen).toString();
    }

    /** What a model answers and how many tokens that is: the echo model the request's headers, any other {@code max} words. */
    record Reply(String content, int tokens) {
    }

    static Reply reply(String model, MultiMap headers, int max, String region) {
        if (model.equals("echo")) {
            String content = headersAsJson(headers);
            return new Reply(content, SimText.count(content));
        }
        int tokens = Math.max(1, max);
        return new Reply(replyText(tokens, region), tokens);
    }

    static String replyText(int tokens, String region) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            sb.append(SimText.token(i, tokens, region));
        }
        return sb.toString();
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = MAPPER.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    static ObjectNode chat(String id, String model, long created, String content, int prompt, int completion) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop");
        root.set("usage", usage(prompt, completion));
        return root;
    }

    static ObjectNode completion(String id, String model, long created, String text, int prompt, int completion) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id).put("object", "text_completion").put("created", created).put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("text", text).put("finish_reason", "stop");
        root.set("usage", usage(prompt, completion));
        return root;
    }

    /** A streaming chunk carrying {@code content} (chat) or {@code text} (completions). */
    static ObjectNode chunk(boolean chat, String id, String model, long created, String piece, String finish) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion").put("created", created)
                .put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (piece != null) {
                delta.put("content", piece);
            }
        } else {
            choice.put("text", piece == null ? "" : piece);
        }
        if (finish != null) {
            choice.put("finish_reason", finish);
        } else {
            choice.putNull("finish_reason");
        }
        return root;
    }

    static ObjectNode usageChunk(boolean chat, String id, String model, long created, int prompt, int completion) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion").put("created", created)
                .put("model", model);
        root.putArray("choices");
        root.set("usage", usage(prompt, completion));
        return root;
    }

    /** The tool an OpenAI request forces ({@code tool_choice} required or a function), or null. */
    static String forcedTool(JsonNode body) {
        JsonNode tools = body.path("tools");
        JsonNode choice = body.path("tool_choice");
        if (!tools.isArray() || tools.isEmpty() || !(choice.isObject() || "required".equals(choice.asText()))) {
            return null;
        }
        return choice.isObject() ? choice.path("function").path("name").asText() : tools.get(0).path("function").path("name").asText();
    }

    /** A call of {@code tool} with {@code {"location": "Paris"}}: one completion, or its stream (arguments in two pieces). */
    static void toolCall(HttpServerResponse res, boolean stream, boolean usage, String id, String model, long created, String tool,
                         int prompt) {
        ObjectNode call = MAPPER.createObjectNode().put("id", "call_" + id).put("type", "function");
        call.putObject("function").put("name", tool).put("arguments", "{\"location\": \"Paris\"}");
        if (!stream) {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
            ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            message.putNull("content");
            message.putArray("tool_calls").add(call);
            choice.put("finish_reason", "tool_calls");
            root.set("usage", usage(prompt, 8));
            SimServer.json(res, 200, root.toString());
            return;
        }
        res.setChunked(true).putHeader("Content-Type", "text/event-stream");
        StringBuilder sb = new StringBuilder();
        String[] pieces = {"{\"location\":", " \"Paris\"}"};
        for (int i = 0; i < pieces.length; i++) {
            ObjectNode chunk = chunk(true, id, model, created, null, null);
            ObjectNode c = ((ObjectNode) chunk.path("choices").get(0).path("delta")).putArray("tool_calls").addObject().put("index", 0);
            if (i == 0) {
                c.put("id", "call_" + id).put("type", "function").putObject("function").put("name", tool).put("arguments", pieces[i]);
            } else {
                c.putObject("function").put("arguments", pieces[i]);
            }
            sb.append("data: ").append(chunk).append("\n\n");
        }
        sb.append("data: ").append(chunk(true, id, model, created, null, "tool_calls")).append("\n\n");
        if (usage) {
            sb.append("data: ").append(usageChunk(true, id, model, created, prompt, 8)).append("\n\n");
        }
        res.end(sb.append("data: [DONE]\n\n").toString());
    }

    /** The tokens the sim says one image took (gpt-image-1's count for a 1024x1024 image of low quality). */
    static final int IMAGE_TOKENS = 272;
    /** A 1x1 PNG. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    /** Image generation: {@code n} tiny images, and (unless told not to) the usage gpt-image models report. */
    static ObjectNode images(JsonNode body, boolean noUsage) {
        int n = Math.max(1, body.path("n").asInt(1));
        ObjectNode root = MAPPER.createObjectNode().put("created", System.currentTimeMillis() / 1000);
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < n; i++) {
            data.addObject().put("b64_json", PNG);
        }
        if (!noUsage) {
            int in = SimText.count(body.path("prompt").asText(""));
            ObjectNode u = root.putObject("usage").put("input_tokens", in).put("output_tokens", n * IMAGE_TOKENS)
                    .put("total_tokens", in + n * IMAGE_TOKENS);
            u.putObject("input_tokens_details").put("text_tokens", in).put("image_tokens", 0);
        }
        return root;
    }

    /** A transcription of a multipart upload: words, and the token usage gpt-4o-transcribe reports (an audio token per 200 bytes). */
    static ObjectNode transcription(String multipart, int bytes, boolean noUsage) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"model\"\r\n\r\n([^\r]*)\r\n").matcher(multipart);
        String model = m.find() ? m.group(1) : "unknown";
        ObjectNode root = MAPPER.createObjectNode().put("text", "the sim heard you say hello (" + model + ")");
        if (!noUsage) {
            int in = Math.max(1, bytes / 200);
            root.putObject("usage").put("type", "tokens").put("input_tokens", in).put("output_tokens", 8).put("total_tokens", in + 8);
        }
        return root;
    }

    static ObjectNode embeddings(String model, JsonNode input) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("object", "list").put("model", model);
        ArrayNode data = root.putArray("data");
        int tokens = 0;
        int index = 0;
        Iterable<JsonNode> items = input != null && input.isArray() ? input : List.of(input == null ? MAPPER.nullNode() : input);
        for (JsonNode item : items) {
            String text = item.isTextual() ? item.textValue() : item.toString();
            tokens += SimText.count(text);
            ObjectNode e = data.addObject();
            e.put("object", "embedding").put("index", index++);
            ArrayNode vec = e.putArray("embedding");
            int h = text.hashCode();
            for (int i = 0; i < 8; i++) {
                vec.add(((h >>> (i * 4)) & 0xf) / 15.0 - 0.5);
            }
        }
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", tokens).put("total_tokens", tokens);
        return root;
    }

    static ObjectNode predict(String model, String region, JsonNode body) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", model).put("region", region);
        ArrayNode predictions = root.putArray("predictions");
        JsonNode instances = body.get("instances");
        int n = instances != null && instances.isArray() ? instances.size() : 1;
        for (int i = 0; i < n; i++) {
            JsonNode inst = instances != null && instances.isArray() ? instances.get(i) : body;
            predictions.addObject().put("index", i).put("score", (Math.abs(inst.toString().hashCode()) % 1000) / 1000.0);
        }
        ObjectNode u = root.putObject("usage");
        u.put("input_tokens", n).put("output_tokens", n);
        return root;
    }
}
