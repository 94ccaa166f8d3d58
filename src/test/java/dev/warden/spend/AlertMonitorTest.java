package dev.warden.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
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
 * Anomaly alerts against a real control store (both kinds) and a clock the test moves: a tenant's
 * last hour of spend, refusals or security events above the factor x its hourly mean of the day
 * before (and above the floor) raises one alert, posted once while it holds, cleared when it
 * lapses; refusals no tenant was verified for raise platform alerts.
 */
class AlertMonitorTest {
    private static final long HOUR = 3_600_000L;
    /** Mid-day, mid-hour: every window below lies within whole minutes of one UTC day and the one before. */
    private static final long NOW = 1_796_558_400_000L + 12 * HOUR + HOUR / 2;

    private static UsageRecord spend(String tenant, long atMs, long micros) {
        return new UsageRecord("r" + atMs + tenant, atMs, tenant, "k", "k", "m", "eu", "chat_completions", 1, 1, 2, 0, micros, 200, 5,
                false, false);
    }

    private static AuditEvent refusal(String tenant, long atMs, String code) {
        return new AuditEvent(atMs, tenant, "k", "data.chat_completions", "deny", code + ":test", "req", "127.0.0.1", null);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void spendRefusalAndSecuritySpikesRaiseOneAlertEachWhileTheyHold(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        try (ControlStore store = ControlStores.open(url)) {
            List<UsageRecord> usage = new ArrayList<>();
            List<AuditEvent> events = new ArrayList<>();
            for (int h = 2; h <= 25; h++) { // the day before the last hour: 1,000,000 micros and 2 refusals an hour each
                long at = NOW - h * HOUR + 60_000;
                usage.add(spend("acme", at, 1_000_000));
                usage.add(spend("globex", at, 1_000_000));
                events.add(refusal("acme", at, "rate_limited"));
                events.add(refusal("acme", at + 1, "unauthenticated"));
            }
            long recent = NOW - HOUR / 2;
            usage.add(spend("acme", recent, 5_000_000));    // 5 x its hourly mean: an anomaly
            usage.add(spend("globex", recent, 2_500_000));  // 2.5 x: not with the factor 3
            for (int i = 0; i < 150; i++) {
                events.add(refusal("acme", recent + i, "rate_limited")); // 150 refusals against 2 an hour
            }
            for (int i = 0; i < 10; i++) {
                events.add(refusal("acme", recent + i, "forbidden")); // 10 security events: under the floor of 20
            }
            for (int i = 0; i < 30; i++) {
                events.add(refusal(null, recent + i, "unauthenticated")); // an unknown key tried 30 times, no tenant verified
            }
            events.add(new AuditEvent(recent, "globex", "k", "admin.key.create", "allow", "ok", "req", "127.0.0.1", null));
            store.ledger().append(usage);
            store.audit().append(events, new AuditChain(new byte[32]));

            AtomicLong clock = new AtomicLong(NOW);
            List<Alert> posted = new ArrayList<>();
            AlertMonitor monitor = new AlertMonitor(store.ledger(), store.audit(), Map::of,
                    new AlertMonitor.AnomalyRule(3, 1_000_000, 100, 20), posted::add, clock::get, (t, p) -> 0L);
            monitor.evaluate();
            assertThat(posted).extracting(a -> a.tenant() + "/" + a.kind() + "/" + a.severity())
                    .containsExactlyInAnyOrder("acme/spend_anomaly/warning", "acme/refusal_anomaly/warning",
                            "null/security_anomaly/critical");
            assertThat(posted).filteredOn(a -> a.kind().equals("refusal_anomaly")).first()
                    .satisfies(a -> assertThat(a.message()).contains("(160)").contains("(2)"));

            monitor.evaluate();
            assertThat(posted).as("posted once while the condition holds").hasSize(3);
            assertThat(monitor.active()).hasSize(3);

            clock.set(NOW + 2 * HOUR); // the spikes are more than an hour old
            monitor.evaluate();
            assertThat(monitor.active()).as("cleared when they lapse").isEmpty();
            assertThat(monitor.recent()).hasSize(3);
        } finally {
            Databases.drop(url);
        }
    }
}
