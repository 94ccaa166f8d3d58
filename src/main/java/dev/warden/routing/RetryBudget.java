package dev.warden.routing;

import dev.warden.config.Resilience;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool's retry budget, so that retries cannot multiply the load on a pool that is failing, and
 * one tenant's failures cannot use up another's retries: each tenant's requests earn that tenant
 * {@code budgetPercent} % of a retry each, kept apart per tenant; every second adds
 * {@code minPerSecond} retries to a floor all tenants share (so a quiet pool can still retry). A
 * retry is paid from the tenant's own earnings first, then from the floor. Every balance is capped
 * (ten seconds' worth of the floor, at least 10 retries) so a long quiet spell does not bank a
 * storm. Lock-free; counted in thousandths of a retry.
 */
final class RetryBudget {
    private static final long ONE = 1000;
    private final long perRequest;
    private final long perSecond;
    private final long cap;
    private final AtomicLong floor;
    private final AtomicLong refilledAtSecond;
    private final ConcurrentHashMap<String, AtomicLong> earned = new ConcurrentHashMap<>();

    RetryBudget(Resilience.Retries retries, long nowNanos) {
        this.perRequest = retries.budgetPercent() * ONE / 100;
        this.perSecond = retries.minPerSecond() * ONE;
        this.cap = Math.max(10, 10L * retries.minPerSecond()) * ONE;
        this.floor = new AtomicLong(Math.min(cap, perSecond));
        this.refilledAtSecond = new AtomicLong(nowNanos / 1_000_000_000L);
    }

    /** A request of {@code tenant} starts: it earns its tenant's share of a retry. */
    void deposit(String tenant) {
        if (perRequest > 0) {
            AtomicLong own = earned.get(tenant);
            add(own != null ? own : earned.computeIfAbsent(tenant, t -> new AtomicLong()), perRequest);
        }
    }

    /** Takes one retry for {@code tenant}, from its own earnings or else the shared floor, if either has it. */
    boolean withdraw(String tenant, long nowNanos) {
        AtomicLong own = earned.get(tenant);
        if (own != null && take(own)) {
            return true;
        }
        refill(nowNanos);
        return take(floor);
    }

    private static boolean take(AtomicLong balance) {
        while (true) {
            long b = balance.get();
            if (b < ONE) {
                return false;
            }
            if (balance.compareAndSet(b, b - ONE)) {
                return true;
            }
        }
    }

    private void refill(long nowNanos) {
        long second = nowNanos / 1_000_000_000L;
        long last = refilledAtSecond.get();
        if (second > last && refilledAtSecond.compareAndSet(last, second) && perSecond > 0) {
            add(floor, Math.min(cap, (second - last) * perSecond));
        }
    }

    private void add(AtomicLong balance, long amount) {
        long b;
        do {
            b = balance.get();
            if (b >= cap) {
                return;
            }
        } while (!balance.compareAndSet(b, Math.min(cap, b + amount)));
    }
}
