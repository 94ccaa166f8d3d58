package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.LimiterStore;
import dev.warden.config.RateLimits;
import java.util.List;

/** Everything one admission sends to Redis: who, what limits, which buckets and accounts. */
record Plan(LimiterStore.Ask ask, String tenant, String prefix, List<Bucket> buckets, List<Account> accounts) {
    /**
     * One GCRA bucket the script checks: its policy name for the headers, key, charge and shape;
     * {@code unit}: what it counts (token and compute buckets are refunded what a request did not use).
     */
    record Bucket(String policy, String key, long units, double intervalUs, double toleranceUs, long burst, int windowSeconds,
                  RateLimits.Unit unit) {
        boolean refundable() {
            return unit != RateLimits.Unit.REQUESTS;
        }

        /** What a request charged here and did not use: tokens or compute (requests are never given back). */
        long unused(LimiterStore.Ask ask, LimiterStore.Used used) {
            return switch (unit) {
                case REQUESTS -> 0;
                case TOKENS -> Math.max(0, ask.worstTokens() - used.tokens());
                case COMPUTE -> Math.max(0, ask.worstCompute() - used.computeUnits());
            };
        }
    }

    /** One budget or quota account the script reserves on. */
    record Account(BudgetBook.Allowance allowance, String key, long amount, long periodEndMs) {
    }

    /** Nothing for Redis to check or hold. */
    boolean empty() {
        return buckets.isEmpty() && accounts.isEmpty() && ask.limits().concurrency() <= 0;
    }
}
