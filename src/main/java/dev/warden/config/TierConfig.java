package dev.warden.config;

/**
 * A policy template tenants are put on. Admission limits (rates, budgets, seats) join it in the
 * admission issue; today it caps output tokens per request.
 *
 * @param maxOutputTokens cap on {@code max_tokens} for every request of the tier (0 = the model's cap)
 */
public record TierConfig(String name, String description, int maxOutputTokens) {
}
