package dev.warden.spend;
import dev.warden.config.Budget;

/**
 * Where a tenant stands against one budget now, and where it is heading: spend so far in the
 * period, what its requests in flight and waiting for seats hold (their reserved worst case), the
 * spend rate over a long and a short recent window, and (from the higher of the two, after the
 * reservations) when the budget runs out and what the period will end at. The short window sees a
 * sudden surge within minutes; the long one keeps a lull from hiding a steady spend.
 *
 * @param reservedMicros         reserved by admission for requests not yet settled (in flight or queued)
 * @param ratePerHourMicros      the spend rate over the long window (the last hour), per hour
 * @param shortRatePerHourMicros the spend rate over the short window (the last five minutes), per hour
 * @param exhaustionAtMs         when the budget is projected to run out at the higher rate; 0 if it
 *                               will not within the period (or already has: see {@link #exhausted()})
 * @param projectedMicros        spend projected for the whole period at the higher rate
 */
public record BudgetStatus(String tenant, Budget budget, long periodStartMs, long periodEndMs, long spentMicros,
                           long reservedMicros, long ratePerHourMicros, long shortRatePerHourMicros, long exhaustionAtMs,
                           long projectedMicros) {

    public long remainingMicros() {
        return Math.max(0, budget.limitMicros() - spentMicros);
    }

    public boolean exhausted() {
        return spentMicros >= budget.limitMicros();
    }

    public boolean overSoft() {
        return spentMicros * 100 >= budget.limitMicros() * budget.softPercent();
    }

    /** The recent rate runs the budget out before the period ends. */
    public boolean projectedToExhaust() {
        return !exhausted() && exhaustionAtMs > 0 && exhaustionAtMs < periodEndMs;
    }

    /**
     * Computes the status from the spend so far and the spend over the recent window
     * ({@code windowMs} ending {@code nowMs}, or since the period began if that is shorter).
     */
    public static BudgetStatus of(String tenant, Budget budget, long nowMs, long spentMicros, long windowSpendMicros, long windowMs) {
        return of(tenant, budget, nowMs, spentMicros, 0, windowSpendMicros, windowMs);
    }

    /** The same, counting {@code reservedMicros} (work admitted or queued, not yet settled) as already spent. */
    public static BudgetStatus of(String tenant, Budget budget, long nowMs, long spentMicros, long reservedMicros, long windowSpendMicros,
                                  long windowMs) {
        return of(tenant, budget, nowMs, spentMicros, reservedMicros, windowSpendMicros, windowMs, windowSpendMicros, windowMs);
    }

    /** The same, with a short window beside the long one: the projection follows the higher rate. */
    public static BudgetStatus of(String tenant, Budget budget, long nowMs, long spentMicros, long reservedMicros, long windowSpendMicros,
                                  long windowMs, long shortSpendMicros, long shortMs) {
        long start = budget.period().startMs(nowMs);
        long end = budget.period().endMs(nowMs);
        double longRate = (double) windowSpendMicros / Math.max(1, Math.min(windowMs, nowMs - start));
        double shortRate = (double) shortSpendMicros / Math.max(1, Math.min(shortMs, nowMs - start));
        double ratePerMs = Math.max(longRate, shortRate);
        long committed = spentMicros + Math.max(0, reservedMicros);
        long exhaustion = 0;
        if (ratePerMs > 0 && committed < budget.limitMicros()) {
            double msLeft = (budget.limitMicros() - committed) / ratePerMs;
            exhaustion = msLeft > end - nowMs ? 0 : nowMs + (long) msLeft;
        }
        long projected = committed + (long) (ratePerMs * (end - nowMs));
        return new BudgetStatus(tenant, budget, start, end, spentMicros, Math.max(0, reservedMicros), (long) (longRate * 3_600_000),
                (long) (shortRate * 3_600_000), exhaustion, projected);
    }
}
