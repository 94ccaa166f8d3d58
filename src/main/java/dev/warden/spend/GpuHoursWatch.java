package dev.warden.spend;

import dev.warden.config.Budget;
import dev.warden.config.JobLimits;
import dev.warden.record.GpuHour;
import dev.warden.record.Ledger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Forecasts each tenant's GPU-hour quotas (its tier's {@code jobs.gpuHoursPerDay} and
 * {@code gpuHoursPerMonth}) from the ledger's GPU time per hour, the tenant's unfinished jobs and
 * the hourly seasonality of its history ({@link GpuHoursStatus}), and holds an alert while a quota
 * is used up ({@code gpu_hours_exhausted}) or projected to run out before its period ends
 * ({@code gpu_hours_forecast}). Evaluated in the alert cycle (blocking). Whole hours are read from
 * the ledger once and kept; each cycle reads only the hour in progress and the hours completed since.
 */
public final class GpuHoursWatch {
    private static final long HOUR = HourlyHistory.HOUR;

    private final Ledger ledger;
    private final Supplier<Map<String, JobLimits>> quotas;
    private final Supplier<Map<String, Long>> outstandingGpuMs;
    /** Tenant -> hour -> GPU-ms charged. */
    private final HourlyHistory<GpuHour> history;
    private volatile Map<String, List<GpuHoursStatus>> statuses = Map.of();

    /**
     * @param quotas           tenants whose tier has a GPU-hour quota, with their tier's job limits
     * @param outstandingGpuMs per tenant, the GPU time its unfinished jobs may still use (worst case less used)
     */
    public GpuHoursWatch(Ledger ledger, Supplier<Map<String, JobLimits>> quotas, Supplier<Map<String, Long>> outstandingGpuMs) {
        this.ledger = ledger;
        this.quotas = quotas;
        this.outstandingGpuMs = outstandingGpuMs;
        this.history = new HourlyHistory<>(ledger::gpuHours, GpuHour::tenantId, GpuHour::hourStartMs, GpuHour::gpuMs);
    }

    /** Every tenant's GPU-hour statuses as of the last cycle. */
    public Map<String, List<GpuHoursStatus>> statuses() {
        return statuses;
    }

    /** One cycle: the statuses, and the alerts that hold now. Blocking (JDBC); a store failure throws and leaves the last state. */
    List<Alert> evaluate(long nowMs) {
        Map<String, JobLimits> withQuota = quotas.get();
        if (withQuota.isEmpty()) {
            statuses = Map.of();
            return List.of();
        }
        // from the month's start or a week back, the earlier: the month's use and the week's pattern
        Map<String, Map<Long, Long>> hourly = history.since(Math.min(Budget.Period.MONTH.startMs(nowMs),
                HourlyHistory.weekBefore(nowMs)), nowMs);
        Map<String, Long> outstanding = outstandingGpuMs.get();
        Map<String, List<GpuHoursStatus>> next = new HashMap<>();
        List<Alert> holding = new ArrayList<>();
        withQuota.forEach((tenant, limits) -> {
            Map<Long, Long> history = hourly.getOrDefault(tenant, Map.of());
            List<GpuHoursStatus> list = new ArrayList<>(2);
            for (Budget.Period period : Budget.Period.values()) {
                long limit = period == Budget.Period.DAY ? limits.gpuMsPerDay() : limits.gpuMsPerMonth();
                if (limit <= 0) {
                    continue;
                }
                long start = period.startMs(nowMs);
                long used = history.entrySet().stream().filter(e -> e.getKey() >= start).mapToLong(Map.Entry::getValue).sum();
                GpuHoursStatus s = GpuHoursStatus.of(tenant, period, limit, nowMs, used, outstanding.getOrDefault(tenant, 0L), history);
                list.add(s);
                alert(s, start, nowMs, holding);
            }
            next.put(tenant, List.copyOf(list));
        });
        statuses = Map.copyOf(next);
        return holding;
    }

    private static void alert(GpuHoursStatus s, long periodStartMs, long nowMs, List<Alert> holding) {
        String base = s.tenant() + ":" + s.period().id() + ":" + periodStartMs;
        String quota = "GPU-hours per " + s.period().id() + " (" + hours(s.limitGpuMs()) + ")";
        if (s.exhausted()) {
            holding.add(new Alert(base + ":gpu_hours_exhausted", s.tenant(), "gpu_hours_exhausted", "warning",
                    "Tenant " + s.tenant() + " has used or committed all its " + quota + ": new jobs are refused until "
                            + Instant.ofEpochMilli(s.periodEndMs()) + ".", nowMs));
        } else if (s.projectedToExhaust()) {
            holding.add(new Alert(base + ":gpu_hours_forecast", s.tenant(), "gpu_hours_forecast", "warning",
                    "Tenant " + s.tenant() + "'s " + quota + " are projected to run out around " + Instant.ofEpochMilli(s.exhaustionAtMs())
                            + " (" + hours(s.committedGpuMs()) + " used or committed, ~" + hours(s.ratePerHourGpuMs())
                            + " expected in the coming hour).", nowMs));
        }
    }

    private static String hours(long gpuMs) {
        return String.format(java.util.Locale.ROOT, "%.2f GPU-hours", gpuMs / (double) HOUR);
    }
}
