package dev.warden.spend;

import dev.warden.record.Ledger;
import dev.warden.record.ModelHour;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Forecasts each pool's saturation ({@link PoolStatus}) from the ledger's per-model minutes (a
 * model's pool is the current config's) and the seats held and requests waiting now, and reads
 * its job GPUs from the job store, and holds a platform
 * alert while a pool is saturated or expected to be within the hour ({@code pool_saturation}).
 * Evaluated in the alert cycle (blocking). Whole hours are read once and kept; each cycle reads
 * only the hour in progress and the hours completed since.
 */
public final class PoolWatch {
    private static final long HOUR = HourlyHistory.HOUR;
    private static final long WARN_AHEAD_MS = HOUR;

    /** What the config says of a pool: its seats (0: none declared) and the GPUs it lends jobs (0: none). */
    public record Capacity(int seats, int jobGpus) {
    }

    private final Ledger ledger;
    private final Supplier<Map<String, Capacity>> pools;
    private final Supplier<Map<String, String>> poolOfModel;
    private final Supplier<Map<String, long[]>> jobLoad;
    /** Model -> hour -> time in flight (ms). */
    private final HourlyHistory<ModelHour> history;
    private volatile List<PoolStatus> statuses = List.of();
    private volatile Supplier<Map<String, long[]>> live = Map::of;

    /**
     * @param jobLoad per pool: {GPUs held by running jobs, GPUs asked by queued jobs, queued jobs}
     */
    public PoolWatch(Ledger ledger, Supplier<Map<String, Capacity>> pools, Supplier<Map<String, String>> poolOfModel,
                     Supplier<Map<String, long[]>> jobLoad) {
        this.ledger = ledger;
        this.pools = pools;
        this.poolOfModel = poolOfModel;
        this.jobLoad = jobLoad;
        this.history = new HourlyHistory<>(ledger::modelHours, ModelHour::model, ModelHour::hourStartMs, ModelHour::busyMs);
    }

    /** Where this replica's seats in use and waiting requests are read (per pool: {in use, waiting}). */
    public void liveFrom(Supplier<Map<String, long[]>> live) {
        this.live = live;
    }

    /** Every pool's status as of the last cycle, by name. */
    public List<PoolStatus> statuses() {
        return statuses;
    }

    List<Alert> evaluate(long nowMs) {
        Map<String, Capacity> config = pools.get();
        Map<String, String> models = poolOfModel.get();
        Map<String, Map<Long, Long>> byPool = new HashMap<>();
        history.since(HourlyHistory.weekBefore(nowMs), nowMs).forEach((model, hours) -> {
            String pool = models.get(model);
            if (pool != null) {
                Map<Long, Long> p = byPool.computeIfAbsent(pool, k -> new HashMap<>());
                hours.forEach((hour, busy) -> p.merge(hour, busy, Long::sum));
            }
        });
        Map<String, long[]> jobs = config.values().stream().anyMatch(c -> c.jobGpus() > 0) ? jobLoad.get() : Map.of();
        Map<String, long[]> now = live.get();
        List<PoolStatus> next = new ArrayList<>();
        List<Alert> holding = new ArrayList<>();
        config.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            PoolStatus s = PoolStatus.of(e.getKey(), e.getValue().seats(), nowMs, byPool.getOrDefault(e.getKey(), Map.of()),
                    now.getOrDefault(e.getKey(), new long[2]), e.getValue().jobGpus(), jobs.getOrDefault(e.getKey(), new long[3]));
            next.add(s);
            if (s.saturating() && s.saturationAtMs() - nowMs <= WARN_AHEAD_MS) {
                long minutes = Math.max(0, (s.saturationAtMs() - nowMs) / 60_000);
                holding.add(new Alert("platform:pool_saturation:" + s.pool() + ":" + nowMs / (24 * HOUR), null, "pool_saturation",
                        "warning", "Pool " + s.pool() + (minutes == 0 ? " is saturated" : " is expected to saturate in ~" + minutes
                        + " min (at " + Instant.ofEpochMilli(s.saturationAtMs()) + ")") + String.format(Locale.ROOT,
                        ": mean concurrency %.1f now, %.1f expected, of %d seats.", s.concurrencyNow(), s.expectedPeak(), s.seats()),
                        nowMs));
            }
        });
        statuses = List.copyOf(next);
        return holding;
    }
}
