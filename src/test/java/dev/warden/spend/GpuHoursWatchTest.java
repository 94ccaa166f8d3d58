package dev.warden.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Budget;
import dev.warden.config.JobLimits;
import dev.warden.record.UsageRecord;
import dev.warden.store.ControlStore;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.Databases;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GPU-hour quota forecasts: the demand each coming hour is expected to bring is that hour of the
 * day's mean over the last seven days (never below the last hour's), on top of what is used and
 * what unfinished jobs may still use; alerts while a quota is projected to run out or used up.
 */
class GpuHoursWatchTest {
    private static final long HOUR = 3_600_000L;
    /** 2026-12-06 00:00 UTC. */
    private static final long DAY0 = 1_796_515_200_000L;
    private static final long NOW = DAY0 + 12 * HOUR + HOUR / 2;

    private static UsageRecord job(String tenant, long atMs, long gpuMs) {
        return new UsageRecord("job_" + tenant + atMs, atMs, tenant, "u", "u", "m", "eu", "job_training", 0, 0, 0, gpuMs, 0, 200, 0,
                false, false);
    }

    @Test
    void theHourOfDayProfileOfTheLastWeekDecidesWhenAQuotaRunsOut() {
        Map<Long, Long> history = new HashMap<>();
        for (int d = 1; d <= 7; d++) {
            history.put(DAY0 - d * 24 * HOUR + 20 * HOUR, 10 * HOUR); // every evening at 20:00, 10 GPU-hours
        }
        GpuHoursStatus s = GpuHoursStatus.of("acme", Budget.Period.DAY, 5 * HOUR, NOW, HOUR, 0, history);
        assertThat(s.committedGpuMs()).isEqualTo(HOUR);
        assertThat(s.ratePerHourGpuMs()).as("nothing expected at 12:00").isZero();
        assertThat(s.exhaustionAtMs()).as("the 4 GPU-hours left go at 20:24").isEqualTo(DAY0 + 20 * HOUR + 24 * 60_000);
        assertThat(s.projectedGpuMs()).isEqualTo(11 * HOUR);
        assertThat(s.projectedToExhaust()).isTrue();

        GpuHoursStatus quiet = GpuHoursStatus.of("acme", Budget.Period.DAY, 20 * HOUR, NOW, HOUR, 0, history);
        assertThat(quiet.exhaustionAtMs()).as("11 of 20 by midnight").isZero();
        assertThat(quiet.projectedToExhaust()).isFalse();
    }

    @Test
    void aSurgeInTheLastHourCountsForEveryHourAheadAndUnfinishedJobsAreCommitted() {
        Map<Long, Long> history = Map.of(DAY0 + 11 * HOUR, 2 * HOUR); // 2 GPU-hours in the last whole hour, nothing before
        GpuHoursStatus s = GpuHoursStatus.of("acme", Budget.Period.DAY, 10 * HOUR, NOW, 2 * HOUR, 3 * HOUR, history);
        assertThat(s.committedGpuMs()).isEqualTo(5 * HOUR);
        assertThat(s.ratePerHourGpuMs()).isEqualTo(2 * HOUR);
        assertThat(s.exhaustionAtMs()).as("5 left at 2 an hour: 2.5 hours from now").isEqualTo(NOW + 5 * HOUR / 2);
        assertThat(GpuHoursStatus.of("acme", Budget.Period.DAY, 5 * HOUR, NOW, 2 * HOUR, 3 * HOUR, history).exhausted()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void theWatchReadsTheLedgerByHourAndHoldsItsAlerts(Databases.Kind kind) throws Exception {
        try (ControlStore store = ControlStores.open(Databases.fresh(kind))) {
            List<UsageRecord> rows = new ArrayList<>();
            for (int d = 1; d <= 7; d++) {
                rows.add(job("acme", DAY0 - d * 24 * HOUR + 20 * HOUR + 600_000, 6 * HOUR));
                rows.add(job("acme", DAY0 - d * 24 * HOUR + 20 * HOUR + 1_200_000, 4 * HOUR));
            }
            rows.add(job("acme", DAY0 + 9 * HOUR, HOUR));
            rows.add(job("globex", DAY0 + 9 * HOUR, HOUR));
            rows.add(new UsageRecord("r1", NOW - 1000, "acme", "k", "k", "m", "eu", "chat_completions", 10, 10, 20, 0, 99, 200, 5,
                    false, false)); // a request: no GPU time
            store.ledger().append(rows);

            AtomicLong clock = new AtomicLong(NOW);
            List<Alert> posted = new ArrayList<>();
            AlertMonitor monitor = new AlertMonitor(store.ledger(), store.audit(), Map::of, new AlertMonitor.AnomalyRule(3, 1_000_000_000, 100, 20),
                    posted::add, clock::get, (t, p) -> 0L);
            Map<String, Long> outstanding = new HashMap<>(Map.of("globex", 99 * HOUR));
            monitor.watchGpuHours(new GpuHoursWatch(store.ledger(), () -> Map.of("acme", new JobLimits(0, 5 * HOUR, 0),
                    "globex", new JobLimits(0, 0, 100 * HOUR), "initech", new JobLimits(0, 50 * HOUR, 0)), () -> outstanding));
            monitor.evaluate();
            assertThat(posted).extracting(a -> a.tenant() + "/" + a.kind())
                    .containsExactlyInAnyOrder("acme/gpu_hours_forecast", "globex/gpu_hours_exhausted");
            assertThat(posted).filteredOn(a -> a.tenant().equals("acme")).first()
                    .satisfies(a -> assertThat(a.message()).contains("2026-12-06T20:24:00Z").contains("GPU-hours per day (5.00 GPU-hours)"));
            assertThat(monitor.gpuHourStatuses().get("acme")).singleElement().satisfies(s -> {
                assertThat(s.usedGpuMs()).isEqualTo(HOUR);
                assertThat(s.period()).isEqualTo(Budget.Period.DAY);
            });
            assertThat(monitor.gpuHourStatuses().get("initech")).singleElement().satisfies(s -> assertThat(s.projectedToExhaust()).isFalse());

            // the hour in progress is read fresh each cycle; whole hours once
            store.ledger().append(List.of(job("acme", NOW + 60_000, 3 * HOUR)));
            clock.set(NOW + 120_000);
            monitor.evaluate();
            assertThat(monitor.gpuHourStatuses().get("acme").get(0).usedGpuMs()).isEqualTo(4 * HOUR);
            assertThat(posted).as("still the same alerts, posted once").hasSize(2);

            outstanding.clear(); // globex's jobs ended
            monitor.evaluate();
            assertThat(monitor.active()).extracting(Alert::kind).containsExactly("gpu_hours_forecast");
        }
    }
}
