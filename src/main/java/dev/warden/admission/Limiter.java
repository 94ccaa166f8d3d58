package dev.warden.admission;

import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The local limiter store: one per process, shared by every event loop, lock-free. A request is
 * admitted against every limit of its tenant at once, or against none: concurrency first, then
 * the request rates (tenant, key, end user, model), then the token rates of the same scopes,
 * charged with the request's worst-case tokens, then the compute-unit rates, charged with its
 * worst-case compute units. A refusal by a later limit gives back what the earlier ones took.
 * Settlement gives back the tokens and compute units the request did not use and its seat. With {@code enforced: false}
 * (shadow mode) nothing is refused: what would have been is counted.
 */
public final class Limiter {
    /** What an admitted request holds until it settles: its seat, and the token and compute buckets it charged. */
    public record Reservation(String tenant, long tokens, long computeUnits, boolean seat, List<Charge> charges) {
    }

    /** One token or compute bucket a request charged: what it counts, its key and its rate. */
    public record Charge(RateLimits.Unit unit, String key, long perMinute) {
    }

    /** One policy's state for the {@code RateLimit} headers. */
    public record Policy(String name, long quota, int windowSeconds, long remaining, long resetSeconds) {
    }

    /** Admitted (with a reservation) or refused (with the error and when to retry); the policies either way. */
    public record Decision(Reservation reservation, GatewayError refusal, long retryAfterSeconds, List<Policy> policies) {
    }

    /** Who a request is, for the scopes of the limits: its key (or token subject), its end user (or null), its model. */
    public record Caller(String tenant, String subject, String user, String model) {
    }

    private final Gcra requests;
    private final Gcra tokens;
    private final Gcra compute;
    private final Gcra pacing;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();

    /** Buckets that start full: a new tenant may use its burst at once. */
    public Limiter() {
        this(false);
    }

    /**
     * {@code bucketsStartEmpty}: a new bucket banks no burst, it fills at its rate from its first
     * use (a replica deciding alone during an outage must not hand out a burst the shared store
     * may already have spent).
     */
    public Limiter(boolean bucketsStartEmpty) {
        requests = new Gcra(bucketsStartEmpty);
        tokens = new Gcra(bucketsStartEmpty);
        compute = new Gcra(bucketsStartEmpty);
        pacing = new Gcra(bucketsStartEmpty);
    }

    /** Forgets every rate and pacing bucket (requests in flight keep their seats and settle as usual). */
    public void forgetBuckets() {
        requests.clear();
        tokens.clear();
        compute.clear();
        pacing.clear();
    }

    /**
     * Forgets every rate and pacing bucket; buckets that start empty count as emptied at
     * {@code sinceNanos} and refilled at their rate since (an outage's share accrues from its start).
     */
    public void forgetBuckets(long sinceNanos) {
        requests.clear(sinceNanos);
        tokens.clear(sinceNanos);
        compute.clear(sinceNanos);
        pacing.clear(sinceNanos);
    }

    /** A tenant without limits: nothing to hold, nothing to settle, no allocation. */
    private static final Decision UNLIMITED = new Decision(new Reservation("", 0, 0, false, List.of()), null, 0, List.of());

    public Decision admit(Caller caller, RateLimits limits, CostEstimate cost, long now) {
        if (!limits.any()) {
            return UNLIMITED;
        }
        String tenant = caller.tenant();
        List<Policy> policies = new ArrayList<>(4);
        long tokenCost = cost == null ? 0 : cost.inputTokens() + cost.outputTokens();
        long computeCost = cost == null ? 0 : cost.computeUnits();
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
        List<Scope> scopes = scopes(caller, limits);
        List<Runnable> undo = new ArrayList<>(scopes.size() * 2 + 1);
        boolean heldSeat = seat;
        undo.add(() -> {
            if (heldSeat) {
                inFlight.get(tenant).decrementAndGet();
            }
        });
        List<Charge> charges = new ArrayList<>(scopes.size());
        for (RateLimits.Unit unit : RateLimits.Unit.values()) { // every request rate, then every token rate, then compute
            for (Scope scope : scopes) {
                long perMinute = scope.rate().perMinute(unit);
                if (perMinute <= 0) {
                    continue;
                }
                Gcra gcra = bucketsOf(unit);
                long units = switch (unit) {
                    case REQUESTS -> 1;
                    case TOKENS -> tokenCost;
                    case COMPUTE -> computeCost;
                };
                String name = scope.name() + "-" + unit.suffix();
                long burst = Math.max(1, perMinute * limits.burstSeconds() / 60);
                Gcra.Decision d = gcra.take(scope.key(), units, perMinute, burst, now);
                policies.add(new Policy(name, burst, limits.burstSeconds(), d.remaining(), Math.ceilDiv(d.resetNanos(), 1_000_000_000L)));
                if (d.allowed()) {
                    undo.add(() -> gcra.refund(scope.key(), units, perMinute, now));
                    if (unit != RateLimits.Unit.REQUESTS) {
                        charges.add(new Charge(unit, scope.key(), perMinute));
                    }
                } else if (limits.enforced()) {
                    undo.forEach(Runnable::run);
                    return refuse(ErrorCode.RATE_LIMITED, "rate_limited:" + name, "The " + name.replace('-', ' ')
                            + " limit is reached; retry after the time in Retry-After.", d.retryAfterNanos(), policies);
                } else {
                    count("rate_limited", false);
                }
            }
        }
        return new Decision(new Reservation(tenant, tokenCost, computeCost, seat, charges), null, 0, policies);
    }

    private Gcra bucketsOf(RateLimits.Unit unit) {
        return switch (unit) {
            case REQUESTS -> requests;
            case TOKENS -> tokens;
            case COMPUTE -> compute;
        };
    }

    /**
     * Budget pacing: charges {@code micros} on the tenant's spend bucket paced at
     * {@code microsPerMinute} (a burst of {@code burstSeconds} of it); a refusal is 429
     * {@code rate_limited:budget-pacing}. Null when admitted.
     */
    public Decision pace(String tenant, long micros, long microsPerMinute, int burstSeconds, boolean enforced, long now) {
        long burst = Math.max(1, microsPerMinute * burstSeconds / 60);
        Gcra.Decision d = pacing.take(tenant, Math.max(0, micros), microsPerMinute, burst, now);
        List<Policy> policies = List.of(new Policy("budget-pacing", burst, burstSeconds, d.remaining(),
                Math.ceilDiv(d.resetNanos(), 1_000_000_000L)));
        if (d.allowed()) {
            return new Decision(null, null, 0, policies);
        }
        if (!enforced) {
            count("rate_limited", false);
            return new Decision(null, null, 0, policies);
        }
        return refuse(ErrorCode.RATE_LIMITED, "rate_limited:budget-pacing",
                "The tenant's spending is paced so its budget lasts the period; retry after the time in Retry-After.",
                d.retryAfterNanos(), policies);
    }

    /** One scope a request is limited in: its name for the headers, its bucket key, its rate. */
    public record Scope(String name, String key, RateLimits.Rate rate) {
    }

    public static List<Scope> scopes(Caller c, RateLimits limits) {
        List<Scope> out = new ArrayList<>(4);
        if (limits.tenant().any()) {
            out.add(new Scope("tenant", c.tenant(), limits.tenant()));
        }
        if (limits.perKey().any()) {
            out.add(new Scope("key", c.tenant() + "\nk\n" + c.subject(), limits.perKey()));
        }
        if (limits.perUser().any() && c.user() != null) {
            out.add(new Scope("user", c.tenant() + "\nu\n" + c.user(), limits.perUser()));
        }
        RateLimits.Rate model = c.model() == null ? null : limits.perModel().get(c.model());
        if (model != null && model.any()) {
            out.add(new Scope("model", c.tenant() + "\nm\n" + c.model(), model));
        }
        return out;
    }

    /** The request ended having used {@code usedTokens} and {@code usedCompute}: give back the rest, and its seat. */
    public void settle(Reservation r, long usedTokens, long usedCompute, long now) {
        if (r.seat()) {
            AtomicInteger n = inFlight.get(r.tenant());
            if (n != null) {
                n.decrementAndGet();
            }
        }
        long unusedTokens = r.tokens() - Math.max(0, usedTokens);
        long unusedCompute = r.computeUnits() - Math.max(0, usedCompute);
        for (Charge c : r.charges()) {
            long unused = c.unit() == RateLimits.Unit.TOKENS ? unusedTokens : unusedCompute;
            if (unused > 0) {
                bucketsOf(c.unit()).refund(c.key(), unused, c.perMinute(), now);
            }
        }
    }

    /** Nothing was used (the request never ran): everything it reserved comes back. */
    public void release(Reservation r, long now) {
        settle(r, 0, 0, now);
    }

    /** Forgets idle buckets (call every few seconds). */
    public void sweep(long now) {
        requests.sweep(now);
        tokens.sweep(now);
        compute.sweep(now);
        pacing.sweep(now);
        inFlight.entrySet().removeIf(e -> e.getValue().get() == 0);
    }

    /** Refusals so far, by code and mode ({@code enforced} or {@code shadow}). */
    public Map<String, LongAdder> refusals() {
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
