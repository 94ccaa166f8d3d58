package dev.warden.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.pipeline.Usage;
import java.io.IOException;

/**
 * Reads token usage from an OpenAI-style {@code usage} object: {@code prompt_tokens} /
 * {@code completion_tokens} (chat, completions, embeddings) or {@code input_tokens} /
 * {@code output_tokens} (responses-style and many predict servers). One streaming pass over the
 * answer: only {@code usage} is materialised, everything else is skipped (but still checked to be
 * well-formed JSON).
 */
final class UsageReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private UsageReader() {
    }

    /**
     * What a scan found.
     *
     * @param valid        the text is one well-formed JSON object or array
     * @param usage        its usage, or null
     * @param choicesEmpty it has no {@code choices}, or an empty array (a usage-only stream chunk)
     * @param text         the text its choices carry ({@code delta.content}, {@code message.content},
     *                     {@code text}), or a response's ({@code output[].content[].text}, an event's
     *                     {@code delta}), or null: what the model produced, to count if no usage comes
     * @param responseId   the id of the Responses API response it is or carries ({@code resp_...}), or null
     */
    /** {@code model} and {@code finishReason} (the first choice's that has one): what the trace reports. */
    record Scan(boolean valid, Usage usage, boolean choicesEmpty, String text, String responseId, String model, String finishReason) {
        static final Scan INVALID = new Scan(false, null, false, null, null, null, null);
    }

    static Scan scan(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return scan(p);
        } catch (IOException | RuntimeException e) {
            return Scan.INVALID;
        }
    }

    static Scan scan(String json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return scan(p);
        } catch (IOException | RuntimeException e) {
            return Scan.INVALID;
        }
    }

    private static Scan scan(JsonParser p) throws IOException {
        p.setCodec(MAPPER);
        JsonToken first = p.nextToken();
        if (first == JsonToken.START_ARRAY) {
            p.skipChildren();
            return p.nextToken() == null ? new Scan(true, null, true, null, null, null, null) : Scan.INVALID;
        }
        if (first != JsonToken.START_OBJECT) {
            return Scan.INVALID;
        }
        Usage usage = null;
        boolean choicesEmpty = true;
        StringBuilder text = null;
        String id = null;
        String object = null;
        String responseId = null;
        String model = null;
        String[] finish = new String[1];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("usage") && value == JsonToken.START_OBJECT) {
                usage = from(p.readValueAsTree());
            } else if (name.equals("choices") && value == JsonToken.START_ARRAY) {
                JsonToken t = p.nextToken();
                choicesEmpty = t == JsonToken.END_ARRAY;
                while (t != JsonToken.END_ARRAY) {
                    if (t == JsonToken.START_OBJECT) {
                        text = choiceText(p, text, finish);
                    } else {
                        p.skipChildren();
                    }
                    t = p.nextToken();
                }
            } else if (name.equals("output") && value == JsonToken.START_ARRAY) { // a whole response's items
                text = outputText(p.readValueAsTree(), text);
            } else if (name.equals("delta") && value == JsonToken.VALUE_STRING) { // a response stream's text event
                text = append(text, p.getText());
            } else if (name.equals("response") && value == JsonToken.START_OBJECT) { // a response stream's created/completed event
                JsonNode r = p.readValueAsTree();
                Usage u = from(r.get("usage"));
                usage = u != null ? u : usage;
                responseId = r.path("id").isTextual() ? r.get("id").textValue() : responseId;
                model = r.path("model").isTextual() ? r.get("model").textValue() : model;
                finish[0] = r.path("status").isTextual() && !"in_progress".equals(r.get("status").textValue())
                        ? r.get("status").textValue() : finish[0];
            } else if (name.equals("id") && value == JsonToken.VALUE_STRING) {
                id = p.getText();
            } else if (name.equals("object") && value == JsonToken.VALUE_STRING) {
                object = p.getText();
            } else if (name.equals("model") && value == JsonToken.VALUE_STRING) {
                model = p.getText();
            } else if (name.equals("status") && value == JsonToken.VALUE_STRING) { // a whole Responses API response
                finish[0] = p.getText();
            } else {
                p.skipChildren();
            }
        }
        if ("response".equals(object) && id != null) {
            responseId = id;
        }
        return p.nextToken() == null
                ? new Scan(true, usage, choicesEmpty, text == null ? null : text.toString(), responseId, model, finish[0]) : Scan.INVALID;
    }

    /** The text of a response's output items: each message's {@code output_text} parts. */
    private static StringBuilder outputText(JsonNode output, StringBuilder into) {
        for (JsonNode item : output) {
            for (JsonNode part : item.path("content")) {
                if ("output_text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                    into = append(into, part.get("text").textValue());
                }
            }
        }
        return into;
    }

    /**
     * One choice (the parser on its START_OBJECT): its text appended to {@code into}, its
     * {@code finish_reason} into {@code finish[0]} if that is still empty; the parser left on its END_OBJECT.
     */
    private static StringBuilder choiceText(JsonParser p, StringBuilder into, String[] finish) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("finish_reason") && value == JsonToken.VALUE_STRING) {
                finish[0] = finish[0] == null ? p.getText() : finish[0];
            } else if (name.equals("text") && value == JsonToken.VALUE_STRING) {
                into = append(into, p.getText());
            } else if ((name.equals("delta") || name.equals("message")) && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (field.equals("content") && v == JsonToken.VALUE_STRING) {
                        into = append(into, p.getText());
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return into;
    }

    private static StringBuilder append(StringBuilder into, String s) {
        if (s.isEmpty()) {
            return into;
        }
        return (into == null ? new StringBuilder() : into).append(s);
    }

    /** The usage of a parsed {@code usage} object, or null if it holds no counts. */
    static Usage from(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        long in = count(u, "prompt_tokens", "input_tokens");
        long out = count(u, "completion_tokens", "output_tokens");
        if (in < 0 && out < 0) {
            return null;
        }
        return new Usage(Math.max(in, 0), Math.max(out, 0));
    }

    private static long count(JsonNode usage, String name, String alternative) {
        JsonNode n = usage.get(name);
        if (n == null) {
            n = usage.get(alternative);
        }
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            return -1;
        }
        return n.longValue();
    }
}
