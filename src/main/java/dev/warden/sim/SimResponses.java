package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sim's Responses API ({@code POST /v1/responses}, plain and streamed; {@code GET} and
 * {@code DELETE /v1/responses/{id}}): a response is kept (in memory, per sim) unless the request
 * says {@code "store": false}; a {@code previous_response_id} the sim does not hold is a 404, as
 * OpenAI answers.
 */
final class SimResponses {
    private final Map<String, ObjectNode> stored = new ConcurrentHashMap<>();

    void create(HttpServerResponse res, JsonNode body, String id, String model, MultiMap headers, String region, int defaultTokens) {
        String previous = body.path("previous_response_id").asText(null);
        if (previous != null && !stored.containsKey(previous)) {
            notFound(res, previous);
            return;
        }
        int prompt = SimText.countPrompt(body) + SimText.countSystem(body.get("instructions"));
        int max = body.path("max_output_tokens").asInt(defaultTokens);
        SimReplies.Reply reply = SimReplies.reply(model, headers, max, region);
        String respId = "resp_" + id.replace('-', '_');
        ObjectNode done = response(respId, model, "completed", reply.content(), prompt, reply.tokens(), previous);
        if (body.path("store").asBoolean(true)) {
            stored.put(respId, done);
        }
        if (!body.path("stream").asBoolean(false)) {
            SimServer.json(res, 200, done.toString());
            return;
        }
        res.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        Buffer out = Buffer.buffer();
        int seq = 0;
        ObjectNode created = SimReplies.MAPPER.createObjectNode().put("type", "response.created").put("sequence_number", seq++);
        created.set("response", response(respId, model, "in_progress", null, 0, 0, previous));
        event(out, created);
        String item = "msg_" + id.replace('-', '_');
        String[] pieces = model.equals("echo") ? new String[] {reply.content()} : reply.content().split("(?<= )");
        for (String piece : pieces) {
            ObjectNode delta = SimReplies.MAPPER.createObjectNode().put("type", "response.output_text.delta").put("sequence_number", seq++)
                    .put("item_id", item).put("output_index", 0).put("content_index", 0).put("delta", piece);
            delta.putArray("logprobs");
            event(out, delta);
        }
        ObjectNode textDone = SimReplies.MAPPER.createObjectNode().put("type", "response.output_text.done").put("sequence_number", seq++)
                .put("item_id", item).put("output_index", 0).put("content_index", 0).put("text", reply.content());
        textDone.putArray("logprobs");
        event(out, textDone);
        ObjectNode completed = SimReplies.MAPPER.createObjectNode().put("type", "response.completed").put("sequence_number", seq);
        completed.set("response", done);
        event(out, completed);
        res.end(out);
    }

    void get(HttpServerResponse res, String id) {
        ObjectNode r = stored.get(id);
        if (r == null) {
            notFound(res, id);
        } else {
            SimServer.json(res, 200, r.toString());
        }
    }

    void delete(HttpServerResponse res, String id) {
        if (stored.remove(id) == null) {
            notFound(res, id);
        } else {
            SimServer.json(res, 200, SimReplies.MAPPER.createObjectNode().put("id", id).put("object", "response").put("deleted", true)
                    .toString());
        }
    }

    private static void notFound(HttpServerResponse res, String id) {
        SimServer.json(res, 404, "{\"error\":{\"message\":\"Response with id '" + id + "' not found.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":null}}");
    }

    private static void event(Buffer out, ObjectNode e) {
        out.appendString("event: ").appendString(e.path("type").asText()).appendString("\n")
                .appendString("data: ").appendString(e.toString()).appendString("\n\n");
    }

    /** A Response object as OpenAI's SDKs read it. */
    private static ObjectNode response(String id, String model, String status, String text, int in, int out, String previous) {
        ObjectNode r = SimReplies.MAPPER.createObjectNode();
        r.put("id", id).put("object", "response").put("created_at", System.currentTimeMillis() / 1000).put("status", status)
                .put("model", model).put("parallel_tool_calls", true).put("tool_choice", "auto").putNull("error")
                .putNull("incomplete_details").putNull("instructions").putNull("metadata").put("temperature", 1.0).put("top_p", 1.0);
        r.putArray("tools");
        if (previous == null) {
            r.putNull("previous_response_id");
        } else {
            r.put("previous_response_id", previous);
        }
        ArrayNode output = r.putArray("output");
        if (text != null) {
            ObjectNode msg = output.addObject().put("type", "message").put("id", "msg_" + id.substring(5)).put("status", "completed")
                    .put("role", "assistant");
            ObjectNode part = msg.putArray("content").addObject().put("type", "output_text").put("text", text);
            part.putArray("annotations");
            part.putArray("logprobs");
            ObjectNode usage = r.putObject("usage");
            usage.put("input_tokens", in).put("output_tokens", out).put("total_tokens", in + out);
            usage.putObject("input_tokens_details").put("cached_tokens", 0);
            usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        } else {
            r.putNull("usage");
        }
        return r;
    }
}
