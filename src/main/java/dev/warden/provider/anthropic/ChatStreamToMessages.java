package dev.warden.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.Usage;
import dev.warden.provider.StreamTranslator;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI chat completion chunks as Anthropic's streaming events (an Anthropic client on an
 * OpenAI-compatible model): {@code message_start} with the first chunk; text deltas in a
 * {@code text} content block, each tool call in a {@code tool_use} block of its own (its argument
 * pieces as {@code input_json_delta}); at {@code [DONE]} the open block is closed and
 * {@code message_delta} (stop reason, tokens) and {@code message_stop} end the message.
 */
public final class ChatStreamToMessages implements StreamTranslator {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String model;
    private final Map<Integer, Integer> blockOfTool = new HashMap<>();
    private final StringBuilder text = new StringBuilder();
    private boolean started;
    private boolean done;
    private int blocks;
    /** The open block's index, or -1; and whether it is the text block. */
    private int open = -1;
    private boolean openIsText;
    private String stopReason;
    private String upstreamModel;
    private String upstreamFinish;
    private Usage usage;

    /** {@code model}: the model the client named (the answer says it back). */
    public ChatStreamToMessages(String model) {
        this.model = model;
    }

    @Override
    public Step onEvent(String name, String data, Events out) {
        if (data.equals("[DONE]")) {
            finish(out);
            return Step.OK;
        }
        JsonNode chunk;
        try {
            chunk = MAPPER.readTree(data);
        } catch (IOException e) {
            return Step.MALFORMED;
        }
        if (chunk == null || !chunk.isObject()) {
            return Step.MALFORMED;
        }
        if (upstreamModel == null && chunk.path("model").isTextual()) {
            upstreamModel = chunk.get("model").textValue();
        }
        if (!started) {
            started = true;
            ObjectNode message = MAPPER.createObjectNode().put("id", "msg_" + chunk.path("id").asText("")).put("type", "message")
                    .put("role", "assistant").put("model", model);
            message.putArray("content");
            message.putNull("stop_reason").putNull("stop_sequence");
            message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
            ObjectNode start = MAPPER.createObjectNode().put("type", "message_start");
            start.set("message", message);
            out.event("message_start", start.toString());
        }
        JsonNode u = chunk.path("usage");
        if (u.isObject()) {
            usage = new Usage(Math.max(0, u.path("prompt_tokens").asLong(0)), Math.max(0, u.path("completion_tokens").asLong(0)));
        }
        JsonNode choice = chunk.path("choices").path(0);
        if (!choice.isObject()) {
            return Step.OK; // a usage chunk, or a provider's own (content filter results)
        }
        JsonNode delta = choice.path("delta");
        String piece = delta.path("content").isTextual() ? delta.get("content").textValue() : "";
        if (!piece.isEmpty()) {
            if (open < 0 || !openIsText) {
                openBlock(out, MAPPER.createObjectNode().put("type", "text").put("text", ""), true);
            }
            text.append(piece);
            delta(out, MAPPER.createObjectNode().put("type", "text_delta").put("text", piece));
        }
        for (JsonNode call : delta.path("tool_calls")) {
            int tool = call.path("index").asInt(0);
            Integer block = blockOfTool.get(tool);
            if (block == null) {
                ObjectNode use = MAPPER.createObjectNode().put("type", "tool_use").put("id", call.path("id").asText("toolu_" + tool))
                        .put("name", call.path("function").path("name").asText(""));
                use.putObject("input");
                openBlock(out, use, false);
                blockOfTool.put(tool, open);
                block = open;
            }
            String args = call.path("function").path("arguments").asText("");
            if (!args.isEmpty() && block == open) {
                delta(out, MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", args));
            }
        }
        if (choice.path("finish_reason").isTextual()) {
            upstreamFinish = choice.get("finish_reason").textValue();
            stopReason = StopReasons.toAnthropic(upstreamFinish);
        }
        return Step.OK;
    }

    @Override
    public void onEnd(Events out) {
        finish(out); // an upstream that ends without [DONE] still ends the message properly
    }

    private void finish(Events out) {
        if (done || !started) {
            return;
        }
        done = true;
        closeBlock(out);
        ObjectNode delta = MAPPER.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
        delta.putObject("usage").put("input_tokens", usage == null ? 0 : usage.inputTokens())
                .put("output_tokens", usage == null ? 0 : usage.outputTokens());
        out.event("message_delta", delta.toString());
        out.event("message_stop", "{\"type\":\"message_stop\"}");
    }

    private void openBlock(Events out, ObjectNode block, boolean isText) {
        closeBlock(out);
        open = blocks++;
        openIsText = isText;
        ObjectNode start = MAPPER.createObjectNode().put("type", "content_block_start").put("index", open);
        start.set("content_block", block);
        out.event("content_block_start", start.toString());
    }

    private void closeBlock(Events out) {
        if (open >= 0) {
            out.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + open + "}");
            open = -1;
        }
    }

    private void delta(Events out, ObjectNode delta) {
        ObjectNode e = MAPPER.createObjectNode().put("type", "content_block_delta").put("index", open);
        e.set("delta", delta);
        out.event("content_block_delta", e.toString());
    }

    @Override
    public String model() {
        return upstreamModel;
    }

    @Override
    public String finishReason() {
        return upstreamFinish;
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public String text() {
        return text.toString();
    }
}
