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

    /** The cost at a price per 1k tokens, in integer micro-units, rounded up (never undercharged). */
    public long costMicros(long inputPer1k, long outputPer1k) {
        long thousandths = Math.addExact(Math.multiplyExact(inputTokens, inputPer1k), Math.multiplyExact(outputTokens, outputPer1k));
        return Math.ceilDiv(thousandths, 1000L);
    }
}
