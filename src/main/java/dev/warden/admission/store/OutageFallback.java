package dev.warden.admission.store;

import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore.Answer;
import dev.warden.config.RateLimits;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission while Redis cannot be reached: a tenant with an enforced hard budget or token quota
 * is refused (budgets fail closed), as is one whose tier says {@code whenStoreDown: refuse}; any
 * other is held to this replica's share of each rate (the limit divided by the replicas that were
 * alive), in memory. Each outage's buckets are empty at its start and fill at the share's rate
 * from then: the burst is Redis's to give, and a replica that handed out a fresh share of it at
 * every blip would admit a burst per blip (measured: 149 % of the limit over a minute of short
 * outages). What it admitted on each bucket is remembered, and when Redis answers again the
 * bucket is debited all of it as if it came just then, past an empty bucket too: an outage
 * forgives nothing.
 */
final class OutageFallback {
    /** A bucket's charges admitted here while Redis was away (us of its time), and its tolerance (us): what it is debited. */
    private record UsedWhileDown(double chargedUs, double toleranceUs) {
        UsedWhileDown plus(UsedWhileDown more) {
            return new UsedWhileDown(chargedUs + more.chargedUs, more.toleranceUs);
        }
    }

    private final Limiter limiter = new Limiter(true);
    /** The outage whose buckets {@link #limiter} holds ({@link RedisLink#outages()}). */
    private long outage = -1;
    private final RefusalCount refused;
    private final LongAdder admissions = new LongAdder();
    /** Per tenant and bucket key: what this replica admitted on its own while Redis was down. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, UsedWhileDown>> usedWhileDown = new ConcurrentHashMap<>();

    OutageFallback(RefusalCount refused) {
        this.refused = refused;
    }

    /**
     * Decides {@code plan} on this replica, one of {@code replicas} alive when Redis went away in
     * outage {@code outageNumber}, which began at {@code outageStartNanos}.
     */
    Answer admit(Plan plan, int replicas, long outageNumber, long outageStartNanos) {
        admissions.increment();
        startOf(outageNumber, outageStartNanos);
        RateLimits limits = plan.ask().limits();
        boolean budgeted = plan.accounts().stream().anyMatch(a -> a.allowance().enforced());
        if (budgeted || (limits.refuseWhenStoreDown() && limits.enforced())) {
            refused.count("limiter_unavailable", true);
            return Answer.refused(GatewayError.of(ErrorCode.LIMITER_UNAVAILABLE, budgeted
                    ? "The tenant's budget cannot be checked while the limiter store is unreachable; retry shortly."
                    : "The limiter store is unreachable and this tenant's tier refuses requests until it is back.",
                    budgeted ? "limiter_unavailable:budget" : "limiter_unavailable"), 1, List.of());
        }
        int n = replicas;
        long now = System.nanoTime();
        Limiter.Decision d = limiter.admit(plan.ask().caller(), limits.share(n), plan.ask().estimate(), now);
        if (d.refusal() != null) {
            return Answer.refused(d.refusal(), d.retryAfterSeconds(), d.policies());
        }
        if (plan.ask().paceMicrosPerMinute() > 0) {
            Limiter.Decision paced = limiter.pace(plan.tenant(), plan.ask().worstMicros(), Math.max(1, plan.ask().paceMicrosPerMinute() / n),
                    limits.burstSeconds(), limits.enforced(), now);
            if (paced.refusal() != null) {
                limiter.release(d.reservation(), now);
                return Answer.refused(paced.refusal(), paced.retryAfterSeconds(), paced.policies());
            }
        }
        // what Redis's buckets are debited when it answers again: this admission's charges, at their worst
        ConcurrentHashMap<String, UsedWhileDown> used = usedWhileDown.computeIfAbsent(plan.tenant(), t -> new ConcurrentHashMap<>());
        plan.buckets().forEach(b -> used.merge(b.key(), new UsedWhileDown(b.units() * b.intervalUs(), b.toleranceUs()), UsedWhileDown::plus));
        Limiter.Reservation reservation = d.reservation();
        return new Answer(spent -> limiter.settle(reservation, spent.tokens(), spent.computeUnits(), System.nanoTime()), null, 0, d.policies());
    }

    /**
     * A new outage: the buckets of the last one are forgotten, this one's are empty at its start
     * and fill at the share's rate from then (its first moments may have been spent on a lease).
     */
    private synchronized void startOf(long outageNumber, long outageStartNanos) {
        if (outageNumber != outage) {
            outage = outageNumber;
            limiter.forgetBuckets(outageStartNanos);
        }
    }

    /**
     * Redis answers again: each bucket this replica used on its own meanwhile is debited what it
     * admitted, one {@code debit.lua} call per tenant. What fails to go stays for the next try.
     */
    Future<Void> debit(RedisLink link) {
        if (usedWhileDown.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<String, Map<String, UsedWhileDown>> taken = new HashMap<>();
        List<Request> requests = new ArrayList<>();
        for (String tenant : new ArrayList<>(usedWhileDown.keySet())) {
            Map<String, UsedWhileDown> buckets = usedWhileDown.remove(tenant);
            if (buckets == null || buckets.isEmpty()) {
                continue;
            }
            taken.put(tenant, buckets);
            List<String> keys = new ArrayList<>(buckets.size());
            List<String> args = new ArrayList<>(buckets.size() * 2);
            buckets.forEach((key, used) -> {
                keys.add(key);
                args.add(Double.toString(used.chargedUs()));
                args.add(Double.toString(used.toleranceUs()));
            });
            requests.add(LimiterScripts.DEBIT.call(keys, args));
        }
        if (requests.isEmpty()) {
            return Future.succeededFuture();
        }
        return link.pipeline("debit", requests).<Void>map(r -> null).onFailure(e -> taken.forEach((tenant, buckets) ->
                buckets.forEach((key, used) -> usedWhileDown.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>())
                        .merge(key, used, UsedWhileDown::plus))));
    }

    /** Admissions decided here because Redis could not be reached. */
    long admissions() {
        return admissions.sum();
    }

    /** This replica's own refusals by code and mode (rates and pacing while Redis was away). */
    long refusals(String code, String mode) {
        LongAdder n = limiter.refusals().get(code + "|" + mode);
        return n == null ? 0 : n.sum();
    }

    /** Forgets idle local buckets. */
    void sweep(long nowNanos) {
        limiter.sweep(nowNanos);
    }
}
