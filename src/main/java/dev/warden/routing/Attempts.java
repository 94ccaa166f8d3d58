package dev.warden.routing;

import dev.warden.config.ModelConfig;
import dev.warden.config.PoolConfig;
import dev.warden.config.RouteTable;
import dev.warden.config.UpstreamConfig;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RouteAttempts;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Usage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One request's attempts: the first upstream chosen by the balancer among the available allowed
 * ones, then at most {@code maxRetries} others (never one tried already, never outside the allowed
 * list, each paid for from the pool's retry budget: the tenant's own share first), then the tenant's fallback models in order
 * (each in the same region, each with its own attempts). Confined to the request's event loop.
 */
final class Attempts implements RouteAttempts {
    /** The longest rest an upstream's {@code Retry-After} buys it (a larger one is a misconfiguration, not a plan). */
    static final long MAX_COOLDOWN_MS = 300_000;

    /**
     * The tenant's fallback chain for the request's model, and what decides whether a fallback may
     * be used: the pools, the worst case admission reserved (a fallback must fit in it: a budget is
     * never overspent), and the operation's path on a given model.
     */
    record Chain(List<RouteTable> tables, Map<String, PoolConfig> pools, CostEstimate reserved,
                 Function<ModelConfig, String> pathFor, Predicate<PoolConfig> serves) {
        static final Chain NONE = new Chain(List.of(), Map.of(), null, m -> "", p -> true);
    }

    private final UpstreamRegistry registry;
    private final String tenant;
    private final Chain chain;
    private UpstreamRegistry.PoolState pool;
    private PoolConfig poolConfig;
    private List<UpstreamConfig> allowed;
    /** With service tokens the token names the first upstream's region and pool: retries stay in them. */
    private final boolean sameRegion;
    private final List<UpstreamState> tried = new ArrayList<>(2);
    /** Regions a fallback may use: the first attempt's, or (none made) those the first model allowed. */
    private Set<String> fallbackRegions;
    private int nextFallback;
    private UpstreamState state;
    private CircuitBreaker.Permit permit;
    private SelectedRoute route;
    private boolean reported = true;
    private long msUntilProbe = -1;

    Attempts(UpstreamRegistry registry, String tenant, PoolConfig poolConfig, List<UpstreamConfig> allowed, boolean sameRegion, Chain chain) {
        this.registry = registry;
        this.tenant = tenant;
        this.poolConfig = poolConfig;
        this.pool = registry.pool(poolConfig);
        this.allowed = allowed;
        this.sameRegion = sameRegion;
        this.chain = chain;
    }

    /** Takes an upstream for the next attempt; false if none is available. */
    boolean next(SelectedRoute template) {
        long now = System.nanoTime();
        List<UpstreamState> candidates = new ArrayList<>(allowed.size());
        for (UpstreamConfig u : allowed) {
            if (!mayTry(u)) {
                continue;
            }
            UpstreamState s = registry.state(pool, u);
            if (!tried.contains(s)) {
                if (s.available(now)) {
                    candidates.add(s);
                } else if (s.healthy()) {
                    long wait = Math.max(s.breaker().msUntilProbe(now), s.msUntilWarm(now));
                    msUntilProbe = msUntilProbe < 0 ? wait : Math.min(msUntilProbe, wait);
                }
            }
        }
        while (!candidates.isEmpty()) {
            UpstreamState s = Balancer.pick(candidates);
            CircuitBreaker.Permit p = s.breaker().tryAcquire(now);
            if (p == CircuitBreaker.Permit.NONE) {
                candidates.remove(s); // another request took the half-open probe meanwhile
                continue;
            }
            state = s;
            permit = p;
            tried.add(s);
            s.started();
            reported = false;
            route = template.on(s.upstream());
            if (fallbackRegions == null) {
                fallbackRegions = Set.of(s.upstream().region());
            }
            return true;
        }
        return false;
    }

    /** When none was available: milliseconds until an open breaker lets a probe through (a hint for Retry-After), or -1. */
    long msUntilProbe() {
        return msUntilProbe;
    }

    @Override
    public SelectedRoute current() {
        return route;
    }

    @Override
    public void report(Result result) {
        if (reported) {
            return;
        }
        reported = true;
        state.ended();
        switch (result) {
            case OK -> state.breaker().succeeded(permit);
            case FAILED -> state.breaker().failed(permit, System.nanoTime());
            case NEUTRAL -> state.breaker().released(permit);
        }
        if (result != Result.NEUTRAL) {
            registry.reported(state, result == Result.FAILED);
        }
    }

    @Override
    public void coolDown(long millis) {
        if (state != null && millis > 0) {
            state.coolDown(Math.min(millis, MAX_COOLDOWN_MS), System.nanoTime());
            registry.cooledDown(pool.name);
        }
    }

    @Override
    public SelectedRoute retry(String reason) {
        report(Result.FAILED);
        if (tried.size() > pool.resilience.retries().maxRetries()) {
            return null;
        }
        SelectedRoute failed = route;
        if (!next(route)) {
            return null; // no other allowed upstream is available
        }
        if (!pool.budget.withdraw(tenant, System.nanoTime())) { // give the attempt just taken back, untouched
            reported = true;
            state.ended();
            state.breaker().released(permit);
            route = failed;
            registry.retryRefused(pool.name);
            return null;
        }
        registry.retried(pool.name, reason);
        return route;
    }

    /**
     * The next fallback model that can answer: in the tenant's chain, in a region the first model
     * would have used, affordable within what admission reserved, not capped below the output cap
     * admission applied, and (where service tokens are involved) in the same pool. Null when none.
     */
    SelectedRoute fallback(SelectedRoute from) {
        report(Result.FAILED);
        if (fallbackRegions == null) {
            fallbackRegions = new LinkedHashSet<>();
            allowed.forEach(u -> fallbackRegions.add(u.region()));
        }
        while (nextFallback < chain.tables().size()) {
            RouteTable t = chain.tables().get(nextFallback++);
            ModelConfig model = t.model();
            PoolConfig pc = chain.pools().get(model.pool());
            if (pc == null || !chain.serves().test(pc) || !fits(model)
                    || ((pc.serviceTokens() || poolConfig.serviceTokens()) && !pc.name().equals(poolConfig.name()))) {
                continue;
            }
            List<UpstreamConfig> inRegion = t.upstreams().stream().filter(u -> fallbackRegions.contains(u.region())).toList();
            poolConfig = pc;
            pool = registry.pool(pc);
            allowed = inRegion;
            tried.clear();
            if (next(new SelectedRoute(model, inRegion.isEmpty() ? from.upstream() : inRegion.get(0), chain.pathFor().apply(model),
                    from.chargePercent()))) {
                registry.fellBack(from.model().name(), model.name());
                return route;
            }
        }
        return null;
    }

    @Override
    public SelectedRoute fallback() {
        return route == null ? null : fallback(route);
    }

    /** Whether the fallback's worst case fits in what was reserved for the request, under its own output cap. */
    private boolean fits(ModelConfig model) {
        CostEstimate reserved = chain.reserved();
        if (reserved == null) {
            return true;
        }
        boolean capOk = model.maxOutputTokens() == 0 || reserved.outputCap() == 0 || model.maxOutputTokens() >= reserved.outputCap();
        long worst = new Usage(reserved.inputTokens(), reserved.outputTokens()).costMicros(model.price().inputPer1k(), model.price().outputPer1k());
        return capOk && worst <= reserved.costMicros();
    }

    private boolean mayTry(UpstreamConfig u) {
        return !sameRegion || tried.isEmpty() || tried.get(0).upstream().region().equals(u.region());
    }
}
