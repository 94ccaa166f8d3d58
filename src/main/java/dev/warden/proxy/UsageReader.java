package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.pipeline.Usage;

/**
 * Reads token usage from an OpenAI-style {@code usage} object: {@code prompt_tokens} /
 * {@code completion_tokens} (chat, completions, embeddings) or {@code input_tokens} /
 * {@code output_tokens} (responses-style and many predict servers).
 */
final class UsageReader {
    private UsageReader() {
    }

    /** The usage in a parsed answer or stream chunk, or null if it carries none. */
    static Usage from(JsonNode root) {
        if (root == null || !root.isObject()) {
            return null;
        }
        JsonNode u = root.get("usage");
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
