package dev.warden.pipeline;

/** Token usage of one request, as reported by the upstream. */
public record Usage(long inputTokens, long outputTokens) {
    public static final Usage NONE = new Usage(0, 0);

    public Usage {
        if (inputTokens < 0) {
            throw new IllegalArgumentException("inputTokens: " + inputTokens + " (expected: >= 0)");
        }
        if (outputTokens < 0) {
            throw new IllegalArgumentException("outputTokens: " + outputTokens + " (expected: >= 0)");
        }
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}
