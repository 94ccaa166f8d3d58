package dev.warden.routing;

import dev.warden.config.Resilience;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool's retry budget, so that retries cannot multiply the load on a pool that is failing:
 * every request deposits {@code budgetPercent} % of a retry, every second deposits
 * {@code minPerSecond} retries (so a quiet pool can still retry), and a retry withdraws one. The
 * balance is capped (ten seconds' worth of the minimum, at least 10 retries) so a long quiet spell
 * does not bank a storm. Lock-free; counted in thousandths of a retry.
 */
final class RetryBudget {
    private static final long ONE = 1000;
    private final long perRequest;
    private final long perSecond;
    private final long cap;
    private final AtomicLong balance;
    private final AtomicLong refilledAtSecond;

    RetryBudget(Resilience.Retries retries, long nowNanos) {
        this.perRequest = retries.budgetPercent() * ONE / 100;
        this.perSecond = retries.minPerSecond() * ONE;
        this.cap = Math.max(10, 10L * retries.minPerSecond()) * ONE;
        this.balance = new AtomicLong(Math.min(cap, perSecond));
        this.refilledAtSecond = new AtomicLong(nowNanos / 1_000_000_000L);
    }

    /** A request starts: it earns its share of a retry. */
    void deposit() {
        if (perRequest > 0) {
            add(perRequest);
        }
    }

    /** Takes one retry if the budget has it. */
    boolean withdraw(long nowNanos) {
        refill(nowNanos);
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
            add(Math.min(cap, (second - last) * perSecond));
        }
    }

    private void add(long amount) {
        long b;
        do {
            b = balance.get();
            if (b >= cap) {
                return;
            }
        } while (!balance.compareAndSet(b, Math.min(cap, b + amount)));
    }
}
