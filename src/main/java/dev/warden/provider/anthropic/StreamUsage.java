package dev.warden.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.pipeline.Usage;

/**
 * The tokens of an Anthropic stream, as its events report them: the input in
 * {@code message_start} (cached tokens included), the output (and, in later versions, the input
 * again) in {@code message_delta}. Complete once the output is known.
 */
final class StreamUsage {
    private long inputTokens = -1;
    private long outputTokens = -1;

    void messageStart(JsonNode event) {
        Usage u = Answers.usage(event.path("message").path("usage"));
        if (u != null) {
            inputTokens = u.inputTokens();
        }
    }

    void messageDelta(JsonNode event) {
        JsonNode usage = event.path("usage");
        if (usage.has("output_tokens")) {
            outputTokens = Math.max(0, usage.path("output_tokens").asLong());
        }
        if (usage.has("input_tokens")) {
            inputTokens = Answers.usage(usage).inputTokens();
        }
    }

    /** The usage once the output is reported, else null. */
    Usage usage() {
        return outputTokens < 0 ? null : new Usage(Math.max(0, inputTokens), outputTokens);
    }
}
