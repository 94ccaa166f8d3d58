package dev.warden.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.UsageRecord;
import dev.warden.store.ControlStore;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.Databases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pool saturation forecasts against a real control store (both kinds): a pool whose requests kept
 * more seats busy than it has at 14:00 on each of the last seven days is expected to saturate at
 * 14:00 today, and alerts once that is within the hour; requests of models in other pools, and
 * jobs' rows, do not count.
 */
class PoolWatchTest {
    private static final long HOUR = 3_600_000L;
    /** 2026-12-06 00:00 UTC. */
    private static final long DAY0 = 1_796_515_200_000L;

    private static UsageRecord request(String model, long atMs, long latencyMs) {
        return new UsageRecord("r" + model + atMs, atMs, "acme", "k", "k", model, "eu", "chat_completions", 10, 10, 20, 0, 30, 200,
                latencyMs, false, false);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void aPoolBusierEachAfternoonThanItHasSeatsIsExpectedToSaturateThenAndAlertsWithinTheHour(Databases.Kind kind) throws Exception {
        try (ControlStore store = ControlStores.open(Databases.fresh(kind))) {
            List<UsageRecord> rows = new ArrayList<>();
            for (int d = 1; d <= 7; d++) {
                long at = DAY0 - d * 24 * HOUR + 14 * HOUR;
                for (int i = 0; i < 100; i++) {
                    rows.add(request("m1", at + i * 30_000, 180_000)); // 100 x 3 min in flight: a mean of 5 seats busy at 14:00
                }
                rows.add(request("m3", at, 100 * HOUR)); // another pool's model
            }
            for (int i = 0; i < 60; i++) {
                rows.add(request("m2", DAY0 + 11 * HOUR + i * 60_000, 60_000)); // the last hour: 1 seat busy
            }
            rows.add(new UsageRecord("job_1", DAY0 + 11 * HOUR, "acme", "u", "u", "m1", "eu", "job_training", 0, 0, 0, 50 * HOUR, 0, 200,
                    0, false, false)); // a job's GPU time is no request
            store.ledger().append(rows);

            AtomicLong clock = new AtomicLong(DAY0 + 12 * HOUR + HOUR / 2);
            List<Alert> posted = new ArrayList<>();
            AlertMonitor monitor = new AlertMonitor(store.ledger(), store.audit(), Map::of, new AlertMonitor.AnomalyRule(3, Long.MAX_VALUE,
                    Long.MAX_VALUE, Long.MAX_VALUE), posted::add, clock::get, (t, p) -> 0L);
            monitor.watchPools(new PoolWatch(store.ledger(), () -> Map.of("gpu", new PoolWatch.Capacity(4, 8),
                    "cpu", new PoolWatch.Capacity(0, 0)), () -> Map.of("m1", "gpu", "m2", "gpu", "m3", "cpu"),
                    () -> Map.of("gpu", new long[] {6, 2, 2})));
            monitor.evaluate();
            assertThat(monitor.poolStatuses()).extracting(PoolStatus::pool).containsExactly("cpu", "gpu");
            PoolStatus gpu = monitor.poolStatuses().get(1);
            assertThat(gpu.concurrencyNow()).as("the last hour's").isEqualTo(1.0);
            assertThat(gpu.expectedPeak()).isEqualTo(5.0);
            assertThat(gpu.saturationAtMs()).isEqualTo(DAY0 + 14 * HOUR);
            assertThat(gpu.runningJobGpus()).isEqualTo(6);
            assertThat(gpu.queuedJobs()).isEqualTo(2);
            assertThat(monitor.poolStatuses().get(0).saturating()).as("no seats declared: nothing to saturate").isFalse();
            assertThat(posted).as("90 minutes ahead: not yet").isEmpty();

            clock.set(DAY0 + 13 * HOUR + 10 * 60_000);
            monitor.evaluate();
            assertThat(posted).singleElement().satisfies(a -> {
                assertThat(a.kind()).isEqualTo("pool_saturation");
                assertThat(a.tenant()).as("a platform alert").isNull();
                assertThat(a.message()).contains("Pool gpu is expected to saturate in ~50 min").contains("of 4 seats");
            });
            monitor.evaluate();
            assertThat(posted).as("posted once while it holds").hasSize(1);

            // what is held and waiting now counts at once: 3 seats held and 2 requests waiting of 4 is saturated now
            PoolWatch live = new PoolWatch(store.ledger(), () -> Map.of("gpu", new PoolWatch.Capacity(4, 0)), () -> Map.of("m1", "gpu"),
                    Map::of);
            live.liveFrom(() -> Map.of("gpu", new long[] {3, 2}));
            List<Alert> alerts = live.evaluate(DAY0 + 2 * HOUR);
            assertThat(live.statuses()).singleElement().satisfies(s -> {
                assertThat(s.seatsInUse()).isEqualTo(3);
                assertThat(s.waiting()).isEqualTo(2);
                assertThat(s.concurrencyNow()).isEqualTo(5.0);
                assertThat(s.saturationAtMs()).isEqualTo(DAY0 + 2 * HOUR);
            });
            assertThat(alerts).singleElement().satisfies(a -> assertThat(a.message()).contains("Pool gpu is saturated"));
        }
    }
}
