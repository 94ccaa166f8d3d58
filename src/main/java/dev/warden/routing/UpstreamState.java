package dev.warden.routing;

import dev.warden.config.Resilience;
import dev.warden.config.UpstreamConfig;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this replica knows of one upstream of one pool, shared by every event loop: requests in
 * flight to it (the balancer's load), its circuit breaker, and its active health check's verdict.
 */
public final class UpstreamState {
    private final String pool;
    private final UpstreamConfig upstream;
    private final CircuitBreaker breaker;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean healthy = true;
    /** Until when it rests after a 429 with {@code Retry-After} ({@link System#nanoTime()}; 0: not resting). */
    private volatile long coolUntilNanos;
    private int checksInARow;
    private boolean lastCheckPassed = true;

    UpstreamState(String pool, UpstreamConfig upstream, Resilience.Breaker breaker) {
        this.pool = pool;
        this.upstream = upstream;
        this.breaker = new CircuitBreaker(breaker);
    }

    public String pool() {
        return pool;
    }

    public UpstreamConfig upstream() {
        return upstream;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public int outstanding() {
        return outstanding.get();
    }

    /** False while the active health check says it is down. */
    public boolean healthy() {
        return healthy;
    }

    /** Whether the balancer may consider it now. */
    boolean available(long nowNanos) {
        return healthy && !cooling(nowNanos) && breaker.mayAllow(nowNanos);
    }

    /** It said it has had enough for now (429 with {@code Retry-After}): no request goes to it for {@code millis}. */
    void coolDown(long millis, long nowNanos) {
        long until = nowNanos + millis * 1_000_000L;
        if (until - coolUntilNanos > 0) {
            coolUntilNanos = until;
        }
    }

    boolean cooling(long nowNanos) {
        return coolUntilNanos != 0 && coolUntilNanos - nowNanos > 0;
    }

    /** Milliseconds until its rest ends (0: not resting). */
    long msUntilWarm(long nowNanos) {
        return cooling(nowNanos) ? (coolUntilNanos - nowNanos) / 1_000_000L + 1 : 0;
    }

    void started() {
        outstanding.incrementAndGet();
    }

    void ended() {
        outstanding.decrementAndGet();
    }

    /**
     * One active check's result; the verdict changes after {@code unhealthyAfter} failures or
     * {@code healthyAfter} passes in a row. Returns true when it changed.
     */
    synchronized boolean checked(boolean passed, Resilience.HealthCheck check) {
        checksInARow = passed == lastCheckPassed ? checksInARow + 1 : 1;
        lastCheckPassed = passed;
        if (healthy && !passed && checksInARow >= check.unhealthyAfter()) {
            healthy = false;
            return true;
        }
        if (!healthy && passed && checksInARow >= check.healthyAfter()) {
            healthy = true;
            return true;
        }
        return false;
    }
}
