package dev.warden.usage;

/**
 * Where a tenant stands against one budget now, and where it is heading: spend so far in the
 * period, the recent spend rate, and (from that rate) when the budget runs out and what the period
 * will end at.
 *
 * @param exhaustionAtMs   when the budget is projected to run out at the recent rate; 0 if it will
 *                         not within the period (or already has: see {@link #exhausted()})
 * @param projectedMicros  spend projected for the whole period at the recent rate
 */
public record BudgetStatus(String tenant, Budget budget, long periodStartMs, long periodEndMs, long spentMicros,
                           long ratePerHourMicros, long exhaustionAtMs, long projectedMicros) {

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
        long start = budget.period().startMs(nowMs);
        long end = budget.period().endMs(nowMs);
        long window = Math.max(1, Math.min(windowMs, nowMs - start));
        double ratePerMs = (double) windowSpendMicros / window;
        long exhaustion = 0;
        if (ratePerMs > 0 && spentMicros < budget.limitMicros()) {
            double msLeft = (budget.limitMicros() - spentMicros) / ratePerMs;
            exhaustion = msLeft > end - nowMs ? 0 : nowMs + (long) msLeft;
        }
        long projected = spentMicros + (long) (ratePerMs * (end - nowMs));
        return new BudgetStatus(tenant, budget, start, end, spentMicros, (long) (ratePerMs * 3_600_000), exhaustion, projected);
    }
}
