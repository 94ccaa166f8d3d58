package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant's admission limits (its tier's, with the tenant's {@code overrides} applied). Every
 * rate is GCRA with a burst of {@code burstSeconds} worth of its rate; tokens are the request's
 * estimated worst case (prompt + output cap), settled to what was really used; compute units are
 * those tokens times the model's compute weight (a predict call: the model's predict cost), so a
 * tenant on a light model gets more requests than one on a heavy model under the same limit.
 *
 * @param tenant      the whole tenant
 * @param perKey      each key (or token subject) of the tenant
 * @param perUser     each end user the requests name ({@code user} in the body)
 * @param perModel    each model of the tenant, by model name (absent: no model limit)
 * @param dailyTokens  the tenant's tokens per UTC day (0 = no quota), reserved like a budget
 * @param monthlyTokens the tenant's tokens per UTC month (0 = no quota)
 * @param concurrency requests of the tenant in flight at once (0 = no limit)
 * @param weight      the tenant's share of a pool's seats when tenants wait for them (1 = equal)
 * @param pacing      pace spending when a hard budget is projected to run out early
 * @param refuseWhenStoreDown the shared ({@code redis}) limiter store cannot be reached: refuse
 *                    (true) or hold each replica to its share of every rate (false)
 * @param enforced    false: shadow mode, count what would be refused and refuse nothing
 */
public record RateLimits(Rate tenant, Rate perKey, Rate perUser, Map<String, Rate> perModel, long dailyTokens, long monthlyTokens,
                         int burstSeconds, int concurrency, int weight, boolean pacing, boolean refuseWhenStoreDown,
                         boolean enforced) {
    /** Requests, tokens and compute units per minute; 0 = no such limit. */
    public record Rate(long requestsPerMinute, long tokensPerMinute, long computeUnitsPerMinute) {
        public static final Rate NONE = new Rate(0, 0, 0);

        /** Requests and tokens only. */
        public Rate(long requestsPerMinute, long tokensPerMinute) {
            this(requestsPerMinute, tokensPerMinute, 0);
        }

        /** Whether any rate is set. */
        public boolean any() {
            return requestsPerMinute > 0 || tokensPerMinute > 0 || computeUnitsPerMinute > 0;
        }

        /** The per-minute rate of {@code unit}. */
        public long perMinute(Unit unit) {
            return switch (unit) {
                case REQUESTS -> requestsPerMinute;
                case TOKENS -> tokensPerMinute;
                case COMPUTE -> computeUnitsPerMinute;
            };
        }

        Rate share(int replicas) {
            return new Rate(share(requestsPerMinute, replicas), share(tokensPerMinute, replicas), share(computeUnitsPerMinute, replicas));
        }

        private static long share(long perMinute, int replicas) {
            return perMinute == 0 ? 0 : Math.max(1, perMinute / replicas);
        }
    }

    /** What a rate counts; checked in this order, every scope's requests before any scope's tokens. */
    public enum Unit {
        REQUESTS("requests"), TOKENS("tokens"), COMPUTE("compute");

        private final String suffix;

        Unit(String suffix) {
            this.suffix = suffix;
        }

        /** The policy name's suffix in the {@code RateLimit} headers ({@code tenant-compute}). */
        public String suffix() {
            return suffix;
        }
    }

    public static final RateLimits NONE = new RateLimits(Rate.NONE, Rate.NONE, Rate.NONE, Map.of(), 0, 0, 10, 0, 1, false, false, true);

    public RateLimits {
        perModel = Map.copyOf(perModel);
        if (burstSeconds < 1 || burstSeconds > 3600) {
            throw new IllegalArgumentException("burstSeconds: " + burstSeconds + " (expected: 1..3600)");
        }
    }

    /** Tenant and key rates only (tests, benchmarks). */
    public RateLimits(long requestsPerMinute, long tokensPerMinute, long keyRequestsPerMinute, long keyTokensPerMinute,
                      int burstSeconds, int concurrency, boolean enforced) {
        this(new Rate(requestsPerMinute, tokensPerMinute), new Rate(keyRequestsPerMinute, keyTokensPerMinute), Rate.NONE, Map.of(),
                0, 0, burstSeconds, concurrency, 1, false, false, enforced);
    }

    /** Whether a rate or concurrency limit applies (calendar quotas are reserved with the budgets). */
    public boolean any() {
        return tenant.any() || perKey.any() || perUser.any() || !perModel.isEmpty() || concurrency > 0;
    }

    /** Whether any of these is charged by a request's tokens or compute units (rates, token quotas) or its cost (pacing). */
    public boolean countsTokens() {
        if (dailyTokens > 0 || monthlyTokens > 0 || pacing || byTokens(tenant) || byTokens(perKey) || byTokens(perUser)) {
            return true;
        }
        for (Rate r : perModel.values()) {
            if (byTokens(r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean byTokens(Rate r) {
        return r.tokensPerMinute() > 0 || r.computeUnitsPerMinute() > 0;
    }

    /** These limits with a tenant's overrides (admin API {@code overrides} settings; absent fields keep the tier's). */
    public RateLimits with(JsonNode overrides) {
        if (overrides == null || !overrides.isObject()) {
            return this;
        }
        return new RateLimits(new Rate(overrides.path("requestsPerMinute").asLong(tenant.requestsPerMinute()),
                overrides.path("tokensPerMinute").asLong(tenant.tokensPerMinute()),
                overrides.path("computeUnitsPerMinute").asLong(tenant.computeUnitsPerMinute())), perKey, perUser, perModel,
                overrides.path("dailyTokens").asLong(dailyTokens), overrides.path("monthlyTokens").asLong(monthlyTokens), burstSeconds,
                overrides.path("concurrency").asInt(concurrency), weight, pacing, refuseWhenStoreDown,
                overrides.path("enforced").asBoolean(enforced));
    }

    /**
     * One replica's share of these limits while the shared store is down: every rate and the
     * concurrency divided by the replicas that were alive (at least 1 each), calendar quotas unchanged.
     */
    public RateLimits share(int replicas) {
        if (replicas <= 1) {
            return this;
        }
        Map<String, Rate> models = new LinkedHashMap<>();
        perModel.forEach((m, r) -> models.put(m, r.share(replicas)));
        return new RateLimits(tenant.share(replicas), perKey.share(replicas), perUser.share(replicas), models, dailyTokens, monthlyTokens,
                burstSeconds, concurrency == 0 ? 0 : Math.max(1, concurrency / replicas), weight, pacing, refuseWhenStoreDown, enforced);
    }
}
