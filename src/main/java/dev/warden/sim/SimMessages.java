package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The sim as Anthropic's Messages API: a message (or its stream of {@code message_start},
 * {@code content_block_*}, {@code ping}, {@code message_delta}, {@code message_stop} events, at
 * the sim's pace) with usage counted as the sim counts (one word, one token); {@code max_tokens}
 * required, as Anthropic requires it; a forced tool choice answered with a {@code tool_use} block.
 */
final class SimMessages {
    private SimMessages() {
    }

    static void answer(Vertx vertx, HttpServerRequest req, JsonNode body, SimOptions options, Faults faults, String id) {
        HttpServerResponse res = req.response();
        if (!body.path("max_tokens").canConvertToInt()) {
            SimServer.json(res, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}");
            return;
        }
        String model = body.path("model").asText("unknown");
        int prompt = SimText.countPrompt(body) + SimText.countSystem(body.get("system"));
        int max = Math.max(1, body.path("max_tokens").asInt());
        SimReplies.Reply reply = SimReplies.reply(model, req.headers(), max, options.region());
        String content = reply.content();
        int completion = reply.tokens();
        String tool = forcedTool(body);
        if (body.path("stream").asBoolean(false)) {
            stream(vertx, res, options, faults, id, model, content, prompt, completion, tool);
            return;
        }
        ObjectNode out = SimReplies.MAPPER.createObjectNode().put("id", "msg_" + id).put("type", "message").put("role", "assistant")
                .put("model", model);
        ArrayNode blocks = out.putArray("content");
        if (tool != null) {
            blocks.addObject().put("type", "tool_use").put("id", "toolu_" + id).put("name", tool).putObject("input").put("location", "Paris");
        } else {
            blocks.addObject().put("type", "text").put("text", content);
        }
        out.put("stop_reason", tool != null ? "tool_use" : completion >= max && !model.equals("echo") ? "max_tokens" : "end_turn");
        out.putNull("stop_sequence");
        out.putObject("usage").put("input_tokens", prompt).put("output_tokens", tool != null ? 8 : completion);
        SimServer.json(res, 200, out.toString());
    }

    /** The tool a request forces ({@code tool_choice} any or tool), or null. */
    static String forcedTool(JsonNode body) {
        JsonNode tools = body.path("tools");
        String type = body.path("tool_choice").path("type").asText("");
        if (!tools.isArray() || tools.isEmpty() || !(type.equals("any") || type.equals("tool"))) {
            return null;
        }
        return type.equals("tool") ? body.path("tool_choice").path("name").asText() : tools.get(0).path("name").asText();
    }

    private static void stream(Vertx vertx, HttpServerResponse res, SimOptions options, Faults faults, String id, String model,
                               String content, int prompt, int completion, String tool) {
        res.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        Buffer head = Buffer.buffer();
        ObjectNode message = SimReplies.MAPPER.createObjectNode().put("id", "msg_" + id).put("type", "message").put("role", "assistant")
                .put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", prompt).put("output_tokens", 1);
        ObjectNode start = SimReplies.MAPPER.createObjectNode().put("type", "message_start");
        start.set("message", message);
        event(head, "message_start", start.toString());
        ObjectNode block = SimReplies.MAPPER.createObjectNode().put("type", "content_block_start").put("index", 0);
        if (tool != null) {
            block.putObject("content_block").put("type", "tool_use").put("id", "toolu_" + id).put("name", tool).putObject("input");
        } else {
            block.putObject("content_block").put("type", "text").put("text", "");
        }
        event(head, "content_block_start", block.toString());
        event(head, "ping", "{\"type\": \"ping\"}");
        res.write(head);
        String[] pieces = tool != null ? new String[] {"{\"location\":", " \"Paris\"}"} : content.split("(?<= )");
        int pace = faults.tokensPerSecond() > 0 ? faults.tokensPerSecond() : options.tokensPerSecond();
        long perToken = pace == 0 ? 0 : Math.max(1, 1000L / pace);
        send(vertx, res, faults, pieces, 0, perToken, tool != null, completion, tool != null ? 8 : completion);
    }

    private static void send(Vertx vertx, HttpServerResponse res, Faults faults, String[] pieces, int at, long perToken, boolean tool,
                             int max, int output) {
        if (res.closed()) {
            return;
        }
        if (faults.resetAfter() >= 0 && at >= faults.resetAfter()) {
            res.reset();
            return;
        }
        if (faults.stall() && at >= 2) {
            return;
        }
        if (at < pieces.length) {
            ObjectNode delta = SimReplies.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
            if (tool) {
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", pieces[at]);
            } else {
                delta.putObject("delta").put("type", "text_delta").put("text", pieces[at]);
            }
            Buffer b = Buffer.buffer();
            event(b, "content_block_delta", delta.toString());
            res.write(b);
            if (perToken == 0) {
                send(vertx, res, faults, pieces, at + 1, perToken, tool, max, output);
            } else {
                vertx.setTimer(perToken, t -> send(vertx, res, faults, pieces, at + 1, perToken, tool, max, output));
            }
            return;
        }
        Buffer tail = Buffer.buffer();
        event(tail, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        String stop = tool ? "tool_use" : "end_turn";
        event(tail, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stop
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + output + "}}");
        event(tail, "message_stop", "{\"type\":\"message_stop\"}");
        res.end(tail);
    }

    private static void event(Buffer into, String name, String data) {
        into.appendString("event: ").appendString(name).appendString("\ndata: ").appendString(data).appendString("\n\n");
    }
}
