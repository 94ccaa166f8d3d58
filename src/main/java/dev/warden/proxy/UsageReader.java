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
     */
    record Scan(boolean valid, Usage usage, boolean choicesEmpty) {
        static final Scan INVALID = new Scan(false, null, false);
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
            return p.nextToken() == null ? new Scan(true, null, true) : Scan.INVALID;
        }
        if (first != JsonToken.START_OBJECT) {
            return Scan.INVALID;
        }
        Usage usage = null;
        boolean choicesEmpty = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("usage") && value == JsonToken.START_OBJECT) {
                usage = from(p.readValueAsTree());
            } else if (name.equals("choices") && value == JsonToken.START_ARRAY) {
                choicesEmpty = p.nextToken() == JsonToken.END_ARRAY;
                if (!choicesEmpty) {
                    p.skipChildren();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return p.nextToken() == null ? new Scan(true, usage, choicesEmpty) : Scan.INVALID;
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
