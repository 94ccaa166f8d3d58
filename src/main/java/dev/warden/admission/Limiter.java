package dev.warden.admission;

import dev.warden.config.RateLimits;
import dev.warden.pipeline.CostEstimate;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The local limiter store: one per process, shared by every event loop, lock-free. A request is
 * admitted against every limit of its tenant at once, or against none: concurrency first, then
 * the request rates (tenant, key), then the token rates charged with the request's worst-case
 * tokens. A refusal by a later limit gives back what the earlier ones took. Settlement gives back
 * the tokens the request did not use and its concurrency seat. With {@code enforced: false}
 * (shadow mode) nothing is refused: what would have been is counted.
 */
public final class Limiter {
    /** What an admitted request holds until it settles. */
    public record Reservation(String tenant, String subject, RateLimits limits, long tokens, boolean seat) {
    }

    /** One policy's state for the {@code RateLimit} headers. */
    public record Policy(String name, long quota, int windowSeconds, long remaining, long resetSeconds) {
    }

    /** Admitted (with a reservation) or refused (with the error and when to retry); the policies either way. */
    public record Decision(Reservation reservation, GatewayError refusal, long retryAfterSeconds, List<Policy> policies) {
    }

    private final Gcra requests = new Gcra();
    private final Gcra tokens = new Gcra();
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();

    /** A tenant without limits: nothing to hold, nothing to settle, no allocation. */
    private static final Decision UNLIMITED = new Decision(new Reservation("", "", RateLimits.NONE, 0, false), null, 0, List.of());

    public Decision admit(String tenant, String subject, RateLimits limits, CostEstimate cost, long now) {
        if (!limits.any()) {
            return UNLIMITED;
        }
        List<Policy> policies = new ArrayList<>(4);
        long tokenCost = cost == null ? 0 : cost.inputTokens() + cost.outputTokens();
        boolean seat = false;
        if (limits.concurrency() > 0) {
            AtomicInteger n = inFlight.computeIfAbsent(tenant, t -> new AtomicInteger());
            if (n.incrementAndGet() > limits.concurrency()) {
                n.decrementAndGet();
                if (limits.enforced()) {
                    return refuse(ErrorCode.CONCURRENCY_LIMITED, "concurrency_limited",
                            "This tenant already has " + limits.concurrency() + " requests in flight.", 1_000_000_000L, policies);
                }
                count("concurrency_limited", false);
            } else {
                seat = true;
            }
        }
        String keyId = tenant + '\n' + subject;
        List<Runnable> undo = new ArrayList<>(4);
        boolean finalSeat = seat;
        undo.add(() -> {
            if (finalSeat) {
                inFlight.get(tenant).decrementAndGet();
            }
        });
        long[][] checks = {
                {limits.requestsPerMinute(), 1, 0}, {limits.keyRequestsPerMinute(), 1, 1},
                {limits.tokensPerMinute(), tokenCost, 0}, {limits.keyTokensPerMinute(), tokenCost, 1}};
        String[] names = {"tenant-requests", "key-requests", "tenant-tokens", "key-tokens"};
        for (int i = 0; i < checks.length; i++) {
            long perMinute = checks[i][0];
            if (perMinute <= 0) {
                continue;
            }
            boolean isTokens = i >= 2;
            Gcra gcra = isTokens ? tokens : requests;
            String key = checks[i][2] == 0 ? tenant : keyId;
            long units = checks[i][1];
            long burst = Math.max(1, perMinute * limits.burstSeconds() / 60);
            Gcra.Decision d = gcra.take(key, units, perMinute, burst, now);
            policies.add(new Policy(names[i], burst, limits.burstSeconds(), d.remaining(), Math.ceilDiv(d.resetNanos(), 1_000_000_000L)));
            if (d.allowed()) {
                undo.add(() -> gcra.refund(key, units, perMinute, now));
            } else if (limits.enforced()) {
                undo.forEach(Runnable::run);
                return refuse(ErrorCode.RATE_LIMITED, "rate_limited:" + names[i], "The " + names[i].replace('-', ' ')
                        + " limit is reached; retry after the time in Retry-After.", d.retryAfterNanos(), policies);
            } else {
                count("rate_limited", false);
            }
        }
        return new Decision(new Reservation(tenant, subject, limits, tokenCost, seat), null, 0, policies);
    }

    /** The request ended having used {@code usedTokens} (0 if unknown): give back the rest, and its seat. */
    public void settle(Reservation r, long usedTokens, long now) {
        if (r.seat()) {
            AtomicInteger n = inFlight.get(r.tenant());
            if (n != null) {
                n.decrementAndGet();
            }
        }
        long unused = r.tokens() - Math.max(0, usedTokens);
        if (unused > 0) {
            if (r.limits().tokensPerMinute() > 0) {
                tokens.refund(r.tenant(), unused, r.limits().tokensPerMinute(), now);
            }
            if (r.limits().keyTokensPerMinute() > 0) {
                tokens.refund(r.tenant() + '\n' + r.subject(), unused, r.limits().keyTokensPerMinute(), now);
            }
        }
    }

    /** Forgets idle buckets (call every few seconds). */
    public void sweep(long now) {
        requests.sweep(now);
        tokens.sweep(now);
        inFlight.entrySet().removeIf(e -> e.getValue().get() == 0);
    }

    /** Refusals so far, by code and mode ({@code enforced} or {@code shadow}). */
    public java.util.Map<String, LongAdder> refusals() {
        return refused;
    }

    private Decision refuse(ErrorCode code, String reason, String detail, long retryNanos, List<Policy> policies) {
        count(code.code(), true);
        return new Decision(null, GatewayError.of(code, detail, reason), Math.max(1, Math.ceilDiv(retryNanos, 1_000_000_000L)), policies);
    }

    private void count(String code, boolean enforced) {
        refused.computeIfAbsent(code + (enforced ? "|enforced" : "|shadow"), k -> new LongAdder()).increment();
    }
}
