package dev.warden.config;

/**
 * A tenant's admission limits (its tier's, with the tenant's {@code overrides} applied). Every
 * rate is GCRA with a burst of {@code burstSeconds} worth of its rate; tokens are the request's
 * estimated worst case (prompt + output cap), settled to what was really used. 0 = no such limit.
 *
 * @param requestsPerMinute    requests of the whole tenant
 * @param tokensPerMinute      tokens of the whole tenant
 * @param keyRequestsPerMinute requests of each one key (or token subject) of the tenant
 * @param keyTokensPerMinute   tokens of each one key (or token subject)
 * @param concurrency          requests of the tenant in flight at once
 * @param enforced             false: shadow mode, count what would be refused and refuse nothing
 */
public record RateLimits(long requestsPerMinute, long tokensPerMinute, long keyRequestsPerMinute, long keyTokensPerMinute,
                         int burstSeconds, int concurrency, boolean enforced) {
    public static final RateLimits NONE = new RateLimits(0, 0, 0, 0, 10, 0, true);

    public RateLimits {
        if (burstSeconds < 1 || burstSeconds > 3600) {
            throw new IllegalArgumentException("burstSeconds: " + burstSeconds + " (expected: 1..3600)");
        }
    }

    public boolean any() {
        return requestsPerMinute > 0 || tokensPerMinute > 0 || keyRequestsPerMinute > 0 || keyTokensPerMinute > 0 || concurrency > 0;
    }

    /** These limits with a tenant's overrides (admin API {@code overrides} settings; absent fields keep the tier's). */
    public RateLimits with(com.fasterxml.jackson.databind.JsonNode overrides) {
        if (overrides == null || !overrides.isObject()) {
            return this;
        }
        return new RateLimits(overrides.path("requestsPerMinute").asLong(requestsPerMinute),
                overrides.path("tokensPerMinute").asLong(tokensPerMinute), keyRequestsPerMinute, keyTokensPerMinute, burstSeconds,
                overrides.path("concurrency").asInt(concurrency), overrides.path("enforced").asBoolean(enforced));
    }
}
