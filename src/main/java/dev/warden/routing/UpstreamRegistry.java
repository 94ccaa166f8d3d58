package dev.warden.routing;

import dev.warden.config.PoolConfig;
import dev.warden.config.Resilience;
import dev.warden.config.UpstreamConfig;
import dev.warden.observe.GatewayMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * This replica's live view of every pool's upstreams: load, circuit breakers, health, and each
 * pool's retry budget. One per process, shared by every event loop; it outlives configuration
 * reloads (a pool whose resilience settings changed starts afresh).
 */
public final class UpstreamRegistry {
    private final GatewayMetrics metrics;
    private final ConcurrentHashMap<String, PoolState> pools = new ConcurrentHashMap<>();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();

    /** One pool's upstreams as last configured, and its retry budget. */
    static final class PoolState {
        final String name;
        final Resilience resilience;
        final RetryBudget budget;
        final ConcurrentHashMap<UpstreamConfig, UpstreamState> upstreams = new ConcurrentHashMap<>();

        PoolState(String name, Resilience resilience) {
            this.name = name;
            this.resilience = resilience;
            this.budget = new RetryBudget(resilience.retries(), System.nanoTime());
        }
    }

    public UpstreamRegistry(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    PoolState pool(PoolConfig config) {
        PoolState p = pools.get(config.name());
        if (p == null || !p.resilience.equals(config.resilience())) {
            p = pools.compute(config.name(), (name, old) -> old != null && old.resilience.equals(config.resilience())
                    ? old : new PoolState(name, config.resilience()));
        }
        return p;
    }

    UpstreamState state(PoolState pool, UpstreamConfig upstream) {
        UpstreamState s = pool.upstreams.get(upstream);
        if (s == null) {
            s = pool.upstreams.computeIfAbsent(upstream, u -> new UpstreamState(pool.name, u, pool.resilience.breaker()));
            if (metrics != null && gauged.add(pool.name + " " + upstream.url())) {
                // the gauges read whatever state the pool holds now (a reload may replace it)
                String name = pool.name;
                metrics.upstreamState(name, upstream.authority(), upstream.region(),
                        () -> read(name, upstream, UpstreamState::outstanding, 0),
                        () -> read(name, upstream, u -> u.breaker().state().gauge, 0),
                        () -> read(name, upstream, UpstreamState::healthy, true),
                        () -> read(name, upstream, u -> u.breaker().openings(), 0L));
            }
        }
        return s;
    }

    /** {@code what} of the state the pool holds now for {@code upstream}, or {@code absent}. */
    private <T> T read(String pool, UpstreamConfig upstream, Function<UpstreamState, T> what, T absent) {
        PoolState p = pools.get(pool);
        UpstreamState s = p == null ? null : p.upstreams.get(upstream);
        return s == null ? absent : what.apply(s);
    }

    /**
     * Creates the state (and registers the gauges) of every configured upstream now, at start, so
     * that the first request of each pool does not pay for it.
     */
    public void prime(Collection<PoolConfig> configured) {
        configured.forEach(this::states);
    }

    /** Every upstream state of a pool (the health checker's list). */
    List<UpstreamState> states(PoolConfig config) {
        PoolState p = pool(config);
        List<UpstreamState> out = new ArrayList<>(config.upstreams().size());
        for (UpstreamConfig u : config.upstreams()) {
            out.add(state(p, u));
        }
        return out;
    }

    /**
     * For a call beside a request (the guardrails' moderation): the least loaded of {@code allowed}
     * that health and breaker let take a request now, or null. The call is not counted against the
     * breaker: its failure is its caller's to handle.
     */
    public UpstreamConfig available(PoolConfig config, List<UpstreamConfig> allowed) {
        long now = System.nanoTime();
        PoolState p = pool(config);
        List<UpstreamState> candidates = new ArrayList<>(allowed.size());
        for (UpstreamConfig u : allowed) {
            UpstreamState s = state(p, u);
            if (s.available(now)) {
                candidates.add(s);
            }
        }
        UpstreamState picked = Balancer.pick(candidates);
        return picked == null ? null : picked.upstream();
    }

    /**
     * A request's attempts for {@code tenant} on {@code allowed} (the pool's upstreams in the
     * tenant's regions); with {@code sameRegion}, retries stay in the first attempt's region.
     */
    Attempts start(String tenant, PoolConfig config, List<UpstreamConfig> allowed, boolean sameRegion, Attempts.Chain chain) {
        pool(config).budget.deposit(tenant);
        return new Attempts(this, tenant, config, allowed, sameRegion, chain);
    }

    void retried(String pool, String reason) {
        if (metrics != null) {
            metrics.upstreamRetry(pool, reason);
        }
    }

    void fellBack(String from, String to) {
        if (metrics != null) {
            metrics.upstreamFallback(from, to);
        }
    }

    void cooledDown(String pool) {
        if (metrics != null) {
            metrics.upstreamCooldown(pool);
        }
    }

    void retryRefused(String pool) {
        if (metrics != null) {
            metrics.upstreamRetryRefused(pool);
        }
    }

    void reported(UpstreamState state, boolean failed) {
        if (metrics != null) {
            metrics.upstream(state.upstream().authority(), state.upstream().region(), failed);
        }
    }
}
