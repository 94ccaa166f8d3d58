package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.config.Budget;
import dev.warden.config.RateLimits;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an ask into what Redis checks: a bucket per limited scope (every request rate, then every
 * token rate, then every compute rate, as the local store), the pacing bucket, and an account per hard budget and quota.
 * Every key of a tenant starts with {@code {namespace:tenant}:}, one Redis Cluster slot per tenant.
 */
final class Planner {
    /** What a tenant's money accounts' keys hold after the tenant's hash tag. */
    static final String MONEY = "}:b:micros:";
    /** What a rate bucket's key holds after the tenant's hash tag, by what it counts. */
    private static final Map<RateLimits.Unit, String> KEY_PARTS = new EnumMap<>(Map.of(
            RateLimits.Unit.REQUESTS, "q:", RateLimits.Unit.TOKENS, "t:", RateLimits.Unit.COMPUTE, "u:"));

    private final String namespace;
    private final BudgetBook budgets;

    /** {@code budgets}: where a tenant's money budgets are found (null: quotas only). */
    Planner(String namespace, BudgetBook budgets) {
        this.namespace = namespace;
        this.budgets = budgets;
    }

    Plan plan(LimiterStore.Ask ask, long nowMs) {
        Limiter.Caller c = ask.caller();
        RateLimits limits = ask.limits();
        String prefix = prefix(c.tenant());
        List<Plan.Bucket> buckets = new ArrayList<>(4);
        if (limits.any()) {
            List<Limiter.Scope> scopes = Limiter.scopes(c, limits);
            for (RateLimits.Unit unit : RateLimits.Unit.values()) { // every request rate, then tokens, then compute (as the local store)
                for (Limiter.Scope s : scopes) {
                    long perMinute = s.rate().perMinute(unit);
                    if (perMinute > 0) {
                        buckets.add(bucket(s.name() + "-" + unit.suffix(), prefix + KEY_PARTS.get(unit) + s.key(), unitsOf(ask, unit),
                                perMinute, limits.burstSeconds(), unit));
                    }
                }
            }
        }
        if (ask.paceMicrosPerMinute() > 0) {
            buckets.add(bucket("budget-pacing", prefix + "pace", Math.max(0, ask.worstMicros()), ask.paceMicrosPerMinute(),
                    limits.burstSeconds(), RateLimits.Unit.REQUESTS));
        }
        List<BudgetBook.Allowance> allowances = budgets == null ? ask.quotas() : budgets.allowances(c.tenant(), ask.quotas());
        List<Plan.Account> accounts = new ArrayList<>(allowances.size());
        for (BudgetBook.Allowance a : allowances) {
            long start = a.period().startMs(nowMs);
            accounts.add(new Plan.Account(a, accountKey(prefix, a.tokens(), a.period(), start),
                    a.tokens() ? ask.worstTokens() : ask.worstMicros(), a.period().endMs(nowMs)));
        }
        return new Plan(ask, c.tenant(), prefix, buckets, accounts);
    }

    /** Every key of one tenant starts with this: its hash tag puts them on one Redis Cluster slot. */
    String prefix(String tenant) {
        return "{" + namespace + ":" + tenant + "}:";
    }

    /** A budget (micro-units) or token quota account of one tenant for one period. */
    static String accountKey(String prefix, boolean tokens, Budget.Period period, long periodStartMs) {
        return prefix + "b:" + (tokens ? "tokens" : "micros") + ":" + period.id() + ":" + periodStartMs;
    }

    private static long unitsOf(LimiterStore.Ask ask, RateLimits.Unit unit) {
        return switch (unit) {
            case REQUESTS -> 1;
            case TOKENS -> ask.worstTokens();
            case COMPUTE -> ask.worstCompute();
        };
    }

    /** A bucket; {@code unit}: what it counts (the pacing bucket counts micro-units once, refunded never: REQUESTS). */
    private static Plan.Bucket bucket(String policy, String key, long units, long perMinute, int burstSeconds, RateLimits.Unit unit) {
        double interval = 60_000_000.0 / perMinute;
        long burst = Math.max(1, perMinute * burstSeconds / 60);
        return new Plan.Bucket(policy, key, units, interval, burst * interval, burst, burstSeconds, unit);
    }
}
