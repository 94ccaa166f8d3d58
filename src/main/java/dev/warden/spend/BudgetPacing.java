package dev.warden.spend;

import java.util.List;

/**
 * Budget pacing (a tier option): when a hard budget is projected to run out before its period ends,
 * the tenant's spending is paced to what is left spread evenly over what is left of the period,
 * so it slows down smoothly instead of hitting the budget's cliff. No pace while the projection
 * holds (the tenant spends as it likes within its other limits).
 */
public final class BudgetPacing {
    private BudgetPacing() {
    }

    /**
     * The spend per minute (micro-units) the tenant is paced to, or 0 for no pacing: the smallest
     * of its hard budgets' even spreads, among those projected to run out early.
     */
    public static long microsPerMinute(List<BudgetStatus> statuses, long nowMs) {
        long pace = 0;
        for (BudgetStatus s : statuses) {
            if (!s.budget().hard() || !s.projectedToExhaust()) {
                continue;
            }
            long left = Math.max(0, s.budget().limitMicros() - s.spentMicros() - s.reservedMicros());
            long minutes = Math.max(1, (s.periodEndMs() - nowMs) / 60_000);
            long even = Math.max(1, left / minutes);
            pace = pace == 0 ? even : Math.min(pace, even);
        }
        return pace;
    }
}
