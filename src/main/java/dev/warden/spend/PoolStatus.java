package dev.warden.spend;

import java.util.Map;

/**
 * Where a pool stands and is heading. Inference: its seats against the mean concurrency its
 * requests keep (their time in flight per hour, Little's law), now (the hour so far, or the last
 * hour if higher) and for each hour to come (that hour of the day's mean over the last
 * {@value #DAYS} days, never below now); it saturates when the expected concurrency reaches its
 * seats. Jobs: the GPUs it lends them, held by running jobs and asked by queued ones.
 *
 * @param seats              the pool's seats (0: no capacity declared, nothing to saturate)
 * @param seatsInUse         seats held now, and {@code waiting} requests waiting for seats now (live, as this replica sees them)
 * @param concurrencyNow     the concurrency now: the ledger's mean (the hour so far, or the last hour), or what is held and
 *                           waiting now if more
 * @param expectedPeak       the highest expected in the next 24 hours
 * @param saturationAtMs     when the expected concurrency first reaches the seats (now if it has; 0: not within 24 hours)
 */
public record PoolStatus(String pool, int seats, long seatsInUse, long waiting, double concurrencyNow, double expectedPeak, long saturationAtMs, int jobGpus,
                         long runningJobGpus, long queuedJobGpus, long queuedJobs) {
    static final int DAYS = HourlyHistory.DAYS;
    private static final long HOUR = HourlyHistory.HOUR;
    private static final long AHEAD = 24 * HOUR;

    public boolean saturating() {
        return saturationAtMs > 0;
    }

    /**
     * @param busyByHour the pool's time in flight (ms) per UTC hour start: the last {@value #DAYS}
     *                   days, and the hour in progress
     */
    static PoolStatus of(String pool, int seats, long nowMs, Map<Long, Long> busyByHour, long[] live, int jobGpus, long[] jobs) {
        long currentHour = nowMs - nowMs % HOUR;
        long elapsed = nowMs - currentHour;
        double partial = elapsed < 300_000 ? 0 : busyByHour.getOrDefault(currentHour, 0L) / (double) elapsed;
        double now = Math.max(Math.max(partial, busyByHour.getOrDefault(currentHour - HOUR, 0L) / (double) HOUR), live[0] + live[1]);
        double[] profile = HourlyHistory.hourOfDayMeans(busyByHour, nowMs); // time in flight per hour
        for (int k = 0; k < 24; k++) {
            profile[k] /= HOUR; // as mean concurrency
        }
        double peak = now;
        long saturation = seats > 0 && now >= seats ? nowMs : 0;
        for (long hour = currentHour + HOUR; hour < nowMs + AHEAD; hour += HOUR) {
            double expected = Math.max(profile[(int) ((hour / HOUR) % 24)], now);
            peak = Math.max(peak, expected);
            if (saturation == 0 && seats > 0 && expected >= seats) {
                saturation = hour;
            }
        }
        return new PoolStatus(pool, seats, live[0], live[1], now, peak, saturation, jobGpus, jobs[0], jobs[1], jobs[2]);
    }
}
