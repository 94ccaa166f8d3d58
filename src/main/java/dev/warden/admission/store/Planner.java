package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.config.Budget;
import dev.warden.config.RateLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an ask into what Redis checks: a bucket per limited scope (every request rate, then every
 * token rate, as the local store), the pacing bucket, and an account per hard budget and quota.
 * Every key of a tenant starts with {@code {namespace:tenant}:}, one Redis Cluster slot per tenant.
 */
final class Planner {
    /** What a tenant's money accounts' keys hold after the tenant's hash tag. */
    static final String MONEY = "}:b:micros:";

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
            for (int pass = 0; pass < 2; pass++) { // every request rate, then every token rate (as the local store)
                boolean isTokens = pass == 1;
                for (Limiter.Scope s : scopes) {
                    long perMinute = isTokens ? s.rate().tokensPerMinute() : s.rate().requestsPerMinute();
                    if (perMinute > 0) {
                        buckets.add(bucket(s.name() + (isTokens ? "-tokens" : "-requests"), prefix + (isTokens ? "t:" : "q:") + s.key(),
                                isTokens ? ask.worstTokens() : 1, perMinute, limits.burstSeconds(), isTokens));
                    }
                }
            }
        }
        if (ask.paceMicrosPerMinute() > 0) {
            buckets.add(bucket("budget-pacing", prefix + "pace", Math.max(0, ask.worstMicros()), ask.paceMicrosPerMinute(),
                    limits.burstSeconds(), false));
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

    private static Plan.Bucket bucket(String policy, String key, long units, long perMinute, int burstSeconds, boolean tokens) {
        double interval = 60_000_000.0 / perMinute;
        long burst = Math.max(1, perMinute * burstSeconds / 60);
        return new Plan.Bucket(policy, key, units, interval, burst * interval, burst, burstSeconds, tokens);
    }
}
