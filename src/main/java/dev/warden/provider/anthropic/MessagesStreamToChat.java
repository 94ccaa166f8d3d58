package dev.warden.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.Usage;
import dev.warden.provider.StreamTranslator;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Anthropic's streaming events as OpenAI chat completion chunks, event by event:
 * {@code message_start} opens the assistant's turn, text deltas become {@code delta.content}, a
 * {@code tool_use} block and its {@code input_json_delta}s become {@code delta.tool_calls},
 * {@code message_delta} carries the finish reason (and the output tokens), {@code message_stop}
 * ends it: the usage chunk when the client asked for one, then {@code [DONE]}.
 */
public final class MessagesStreamToChat implements StreamTranslator {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final boolean includeUsage;
    private final long created = System.currentTimeMillis() / 1000;
    private final Map<Integer, Integer> toolOfBlock = new HashMap<>();
    private final StringBuilder text = new StringBuilder();
    private String id = "msg";
    private String model = "";
    private String upstreamStop;
    private final StreamUsage tokens = new StreamUsage();
    private boolean stopped;

    /** {@code includeUsage}: the client asked for the usage chunk ({@code stream_options.include_usage}). */
    public MessagesStreamToChat(boolean includeUsage) {
        this.includeUsage = includeUsage;
    }

    @Override
    public Step onEvent(String name, String data, Events out) {
        JsonNode e;
        try {
            e = MAPPER.readTree(data);
        } catch (IOException ex) {
            return Step.MALFORMED;
        }
        if (e == null || !e.isObject()) {
            return Step.MALFORMED;
        }
        switch (e.path("type").asText(name == null ? "" : name)) {
            case "message_start" -> {
                JsonNode m = e.path("message");
                id = m.path("id").asText(id);
                model = m.path("model").asText(model);
                tokens.messageStart(e);
                ObjectNode delta = MAPPER.createObjectNode().put("role", "assistant").put("content", "");
                out.event(null, chunk(delta, null).toString());
            }
            case "content_block_start" -> {
                JsonNode block = e.path("content_block");
                if ("tool_use".equals(block.path("type").asText())) {
                    int tool = toolOfBlock.size();
                    toolOfBlock.put(e.path("index").asInt(), tool);
                    ObjectNode call = MAPPER.createObjectNode().put("index", tool).put("id", block.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                    out.event(null, chunk(toolCalls(call), null).toString());
                } else if ("text".equals(block.path("type").asText()) && !block.path("text").asText("").isEmpty()) {
                    content(block.path("text").asText(), out);
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = e.path("delta");
                switch (delta.path("type").asText()) {
                    case "text_delta" -> content(delta.path("text").asText(""), out);
                    case "input_json_delta" -> {
                        Integer tool = toolOfBlock.get(e.path("index").asInt());
                        if (tool == null) {
                            return Step.MALFORMED;
                        }
                        ObjectNode call = MAPPER.createObjectNode().put("index", tool);
                        call.putObject("function").put("arguments", delta.path("partial_json").asText(""));
                        out.event(null, chunk(toolCalls(call), null).toString());
                    }
                    default -> { } // thinking and signature deltas are not part of the answer
                }
            }
            case "message_delta" -> {
                tokens.messageDelta(e);
                upstreamStop = e.path("delta").path("stop_reason").asText(upstreamStop);
                String reason = StopReasons.toOpenAi(e.path("delta").path("stop_reason").asText(null));
                if (reason != null) {
                    out.event(null, chunk(MAPPER.createObjectNode(), reason).toString());
                }
            }
            case "message_stop" -> {
                stopped = true;
                Usage u = usage();
                if (includeUsage && u != null) {
                    ObjectNode last = base();
                    last.putArray("choices");
                    last.putObject("usage").put("prompt_tokens", u.inputTokens()).put("completion_tokens", u.outputTokens())
                            .put("total_tokens", u.totalTokens());
                    out.event(null, last.toString());
                }
                out.event(null, "[DONE]");
            }
            case "error" -> {
                return Step.UPSTREAM_ERROR;
            }
            default -> { } // ping, content_block_stop, and events of later versions
        }
        return Step.OK;
    }

    @Override
    public void onEnd(Events out) {
        if (!stopped) {
            out.event(null, "[DONE]");
        }
    }

    @Override
    public String model() {
        return model.isEmpty() ? null : model;
    }

    @Override
    public String finishReason() {
        return upstreamStop;
    }

    @Override
    public Usage usage() {
        return tokens.usage();
    }

    @Override
    public String text() {
        return text.toString();
    }

    private void content(String piece, Events out) {
        if (piece.isEmpty()) {
            return;
        }
        text.append(piece);
        out.event(null, chunk(MAPPER.createObjectNode().put("content", piece), null).toString());
    }

    private static ObjectNode toolCalls(ObjectNode call) {
        ObjectNode delta = MAPPER.createObjectNode();
        ArrayNode calls = delta.putArray("tool_calls");
        calls.add(call);
        return delta;
    }

    private ObjectNode base() {
        return MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode c = base();
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return c;
    }
}
