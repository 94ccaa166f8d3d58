package dev.warden.config;

/**
 * A policy template tenants are put on: output and stream caps, and admission's rate and
 * concurrency limits, jobs' GPU allowances, guardrails and field permissions.
 *
 * @param maxOutputTokens  cap on {@code max_tokens} for every request of the tier (0 = the model's cap)
 * @param maxStreamSeconds the longest a response may stream: a stream admitted with a valid
 *                         credential runs to its end even if the credential expires meanwhile,
 *                         but never past this
 * @param limits           admission's rates and concurrency for tenants of the tier
 * @param cache            the tenant-scoped response cache, or null: none
 * @param jobs             the tenant's long-running jobs: GPUs at once, GPU time per day and month
 * @param guardrails       what is checked in prompts and answers
 * @param fields           the fields of answers and admin records each role does not see
 * @param batchPricePercent the share of the price a request of the {@code batch} priority class pays
 *                         (batches' lines are; 100: full price)
 */
public record TierConfig(String name, String description, int maxOutputTokens, int maxStreamSeconds, RateLimits limits,
                         CacheSettings cache, JobLimits jobs, GuardrailPolicy guardrails, FieldPolicy fields, int batchPricePercent) {
    public static final int DEFAULT_MAX_STREAM_SECONDS = 900;

    public TierConfig(String name, String description, int maxOutputTokens) {
        this(name, description, maxOutputTokens, DEFAULT_MAX_STREAM_SECONDS, RateLimits.NONE, null, JobLimits.NONE, GuardrailPolicy.NONE,
                FieldPolicy.NONE, 100);
    }

    /** This tier with a tenant's own output cap. */
    public TierConfig withMaxOutputTokens(int cap) {
        return new TierConfig(name, description, cap, maxStreamSeconds, limits, cache, jobs, guardrails, fields, batchPricePercent);
    }

    /** This tier with a tenant's own guardrails (the tier's are the template). */
    public TierConfig withGuardrails(GuardrailPolicy own) {
        return new TierConfig(name, description, maxOutputTokens, maxStreamSeconds, limits, cache, jobs, own, fields, batchPricePercent);
    }

    /** This tier with a tenant's own field permissions (the tier's are the template). */
    public TierConfig withFields(FieldPolicy own) {
        return new TierConfig(name, description, maxOutputTokens, maxStreamSeconds, limits, cache, jobs, guardrails, own, batchPricePercent);
    }
}
