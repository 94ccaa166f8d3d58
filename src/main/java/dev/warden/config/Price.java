package dev.warden.config;

/** A model's price in integer micro-units (1e-6 of the billing currency) per 1k tokens. */
public record Price(long inputPer1k, long outputPer1k) {
    public static final Price FREE = new Price(0, 0);

    public Price {
        if (inputPer1k < 0) {
            throw new IllegalArgumentException("inputPer1k: " + inputPer1k + " (expected: >= 0)");
        }
        if (outputPer1k < 0) {
            throw new IllegalArgumentException("outputPer1k: " + outputPer1k + " (expected: >= 0)");
        }
    }
}
