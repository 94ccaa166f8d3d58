package dev.warden.config;

/**
 * A policy template tenants are put on. Admission limits (rates, budgets, seats) join it in the
 * admission issue; today it caps output tokens per request and how long one stream may run.
 *
 * @param maxOutputTokens  cap on {@code max_tokens} for every request of the tier (0 = the model's cap)
 * @param maxStreamSeconds the longest a response may stream: a stream admitted with a valid
 *                         credential runs to its end even if the credential expires meanwhile,
 *                         but never past this
 */
public record TierConfig(String name, String description, int maxOutputTokens, int maxStreamSeconds) {
    public static final int DEFAULT_MAX_STREAM_SECONDS = 900;

    public TierConfig(String name, String description, int maxOutputTokens) {
        this(name, description, maxOutputTokens, DEFAULT_MAX_STREAM_SECONDS);
    }
}
