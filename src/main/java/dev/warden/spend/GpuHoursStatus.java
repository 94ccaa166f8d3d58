package dev.warden.spend;

import dev.warden.config.Budget;
import java.util.Map;

/**
 * Where a tenant stands against one GPU-hour quota of its tier, and where it is heading: the GPU
 * time its jobs were charged in the period, what its unfinished jobs may still use (their worst
 * case, reserved when they were admitted), and the demand its history predicts: for each hour to
 * come, the mean of that hour of the day over the last {@value #DAYS} days (training runs nightly,
 * batches at month end...), never below the last hour's (a surge shows at once). The quota runs
 * out when what is committed plus that demand reaches it.
 *
 * @param committedGpuMs  used + what unfinished jobs may still use
 * @param ratePerHourGpuMs the demand expected for the coming hour
 * @param exhaustionAtMs  when the quota is projected to run out (0: not within the period, or it already has)
 * @param projectedGpuMs  what the period is projected to end at
 */
public record GpuHoursStatus(String tenant, Budget.Period period, long periodEndMs, long limitGpuMs, long usedGpuMs,
                             long committedGpuMs, long ratePerHourGpuMs, long exhaustionAtMs, long projectedGpuMs) {
    static final int DAYS = HourlyHistory.DAYS;
    private static final long HOUR = HourlyHistory.HOUR;

    public boolean exhausted() {
        return committedGpuMs >= limitGpuMs;
    }

    public boolean projectedToExhaust() {
        return !exhausted() && exhaustionAtMs > 0;
    }

    /**
     * @param hourly the tenant's GPU time per UTC hour start (the last {@value #DAYS} days and the current hour)
     */
    static GpuHoursStatus of(String tenant, Budget.Period period, long limitGpuMs, long nowMs, long usedGpuMs, long outstandingGpuMs,
                             Map<Long, Long> hourly) {
        long end = period.endMs(nowMs);
        long currentHour = nowMs - nowMs % HOUR;
        double[] profile = HourlyHistory.hourOfDayMeans(hourly, nowMs);
        long lastHour = hourly.getOrDefault(currentHour - HOUR, 0L);
        long committed = usedGpuMs + Math.max(0, outstandingGpuMs);
        long total = committed;
        long exhaustion = 0;
        long firstRate = -1;
        for (long hour = currentHour; hour < end; hour += HOUR) {
            long demand = Math.max((long) profile[(int) ((hour / HOUR) % 24)], lastHour);
            long from = Math.max(hour, nowMs);
            long span = Math.min(hour + HOUR, end) - from;
            long expected = demand * span / HOUR;
            if (firstRate < 0) {
                firstRate = demand;
            }
            if (exhaustion == 0 && total < limitGpuMs && total + expected >= limitGpuMs && expected > 0) {
                exhaustion = from + (limitGpuMs - total) * span / expected;
            }
            total += expected;
        }
        return new GpuHoursStatus(tenant, period, end, limitGpuMs, usedGpuMs, committed, Math.max(0, firstRate), exhaustion, total);
    }
}
