package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.admission.store.Leases;
import dev.warden.config.Budget;
import dev.warden.record.TenantSpend;
import dev.warden.testing.ChildWarden;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RedisService;
import dev.warden.testing.Spans;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code redis} limiter store across replicas, over real HTTP against the Redis of this
 * machine: three replicas hold one tenant to one rate and one budget (not three), with one round
 * trip per admission (or on leases); a replica killed with SIGKILL gives its seats back within the
 * hold TTL, and what it held of a budget counts as spent (never less than was spent).
 */
class SharedLimiterTest {
    private final List<TestGateway> replicas = new ArrayList<>();
    private String namespace;

    @BeforeEach
    void requireRedis() {
        RedisService.require();
        namespace = RedisService.freshNamespace();
    }

    @AfterEach
    void stop() throws Exception {
        for (TestGateway gw : replicas) {
            gw.close();
        }
    }

    private void startReplicas(int n, String tierLimits, String storeUrl, int holdTtlSeconds) throws Exception {
        startReplicas(n, tierLimits, storeUrl, holdTtlSeconds, yaml -> yaml);
    }

    private void startReplicas(int n, String tierLimits, String storeUrl, int holdTtlSeconds,
                               UnaryOperator<String> edit) throws Exception {
        String limiter = RedisService.limiterYaml(namespace, holdTtlSeconds);
        for (int i = 0; i < n; i++) {
            replicas.add(new TestGateway(yaml -> limiter + edit.apply(yaml.replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                    "basic: { description: \"small\", maxOutputTokens: 50, limits: " + tierLimits + " }")), storeUrl));
        }
    }

    private double sum(String metric, String... labels) {
        return replicas.stream().mapToDouble(gw -> gw.metric(metric, labels)).sum();
    }

    @Test
    void threeReplicasHoldATenantToOneRateWithOneRoundTripPerAdmission() throws Exception {
        startReplicas(3, "{ requestsPerMinute: 600, burstSeconds: 10 }", null, 60); // burst 100, then 10 a second
        assertThat(replicas.get(0).awaitMetric(3, "warden_limiter_store_replicas")).as("the replicas know of each other (heartbeats)")
                .isEqualTo(3);
        int requests = 360;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        long started = System.nanoTime();
        try {
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                calls.add(CompletableFuture.runAsync(() -> {
                    TestGateway gw = replicas.get(next.getAndIncrement() % replicas.size());
                    HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                            "Authorization", bearer(gw.key("globex")));
                    if (r.statusCode() == 200) {
                        admitted.incrementAndGet();
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                        assertThat(r.body()).contains("\"code\":\"rate_limited\"");
                        refused.incrementAndGet();
                    }
                }, pool));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // One limit across the three: its burst plus what the rate refilled meanwhile; three local
        // limiters would have admitted about three bursts (300).
        assertThat(admitted.get()).as("admitted in %.1f s", seconds).isBetween(100, (int) (100 + 10 * seconds + 1));
        assertThat(admitted.get() + refused.get()).isEqualTo(requests);
        double roundTrips = sum("warden_limiter_store_round_trips_total", "op=\"admit\"")
                + sum("warden_limiter_store_round_trips_total", "op=\"lease\"");
        assertThat(roundTrips).as("leases: fewer round trips than requests").isBetween(1.0, requests - 1.0);
        assertThat(sum("warden_limiter_store_lease_admissions_total")).as("admissions decided on leases").isPositive();
        assertThat(sum("warden_limiter_store_fallback_admissions_total")).isZero();
        assertThat(sum("warden_admission_refusals_total", "code=\"rate_limited\"", "mode=\"enforced\"")).isEqualTo(refused.get());
    }

    @Test
    void sixtyFourStreamsAcrossThreeReplicasNeverSpendPastTheBudget() throws Exception {
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        try {
            startReplicas(3, "{ requestsPerMinute: 100000 }", url, 60);
            TestGateway first = replicas.get(0);
            HttpResponse<String> put = Http.call("PUT", first.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                    "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":300,\"hard\":true}]}", "Authorization", bearer(first.adminToken));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            Thread.sleep(600); // the setting reaches every replica (store sync every 100 ms)
            String body = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            ExecutorService pool = Executors.newFixedThreadPool(32);
            int ok = 0;
            int exhausted = 0;
            try {
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    TestGateway gw = replicas.get(i % 3);
                    calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), body,
                            "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "pace=100"), pool));
                }
                for (var c : calls) {
                    HttpResponse<String> r = c.get(60, TimeUnit.SECONDS);
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                        assertThat(r.body()).contains("\"code\":\"budget_exhausted\"");
                        exhausted++;
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            for (TestGateway gw : replicas) {
                assertThat(gw.ledger.flush(5_000)).isTrue();
            }
            long dayStart = Budget.Period.DAY.startMs(System.currentTimeMillis());
            long spent = first.store.ledger().spend(dayStart, dayStart + 86_400_000L).stream().filter(s -> s.tenantId().equals("acme"))
                    .mapToLong(TenantSpend::costMicros).sum();
            assertThat(spent).as("spend of all three replicas within the one hard budget").isLessThanOrEqualTo(300);
            assertThat(ok).as("the budget was used, not refused outright").isGreaterThanOrEqualTo(300 / 20);
            assertThat(exhausted).isPositive();
            Thread.sleep(Leases.IDLE_MS + 300); // the replicas' leases report their last use and give their holds back
            assertThat(RedisService.dayBudget(namespace, "acme")).as("Redis counted every micro-unit spent once, nothing held")
                    .containsExactly(spent, 0);
        } finally {
            for (TestGateway gw : replicas) {
                gw.close();
            }
            replicas.clear();
            Databases.drop(url);
        }
    }

    @Test
    void requestsInFlightOnOneReplicaAreCountedInAnothersForecast() throws Exception {
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            startReplicas(2, "{ requestsPerMinute: 100000 }", url, 60);
            TestGateway serving = replicas.get(0);
            TestGateway watching = replicas.get(1);
            HttpResponse<String> put = Http.call("PUT", serving.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                    "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":1000000,\"hard\":true}]}", "Authorization", bearer(serving.adminToken));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            Thread.sleep(600);
            String slow = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}"; // ~3 s at 3 tokens/s
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                streams.add(CompletableFuture.supplyAsync(() -> Http.post(serving.dataUrl("/v1/chat/completions"), slow,
                        "Authorization", bearer(serving.key("acme")), "X-Sim-Fault", "pace=3"), pool));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            long reserved; // the streams are admitted one by one: wait until all three are seen
            while ((reserved = reservedOn(watching)) < 3 * 15 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(reserved).as("the other replica sees three worst cases of 10 output tokens at 1,500 per 1k")
                    .isGreaterThanOrEqualTo(3 * 15);
            for (var s : streams) {
                assertThat(s.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (reservedOn(watching) != 0) {
                assertThat(System.nanoTime()).as("and sees them settled").isLessThan(deadline);
                Thread.sleep(100);
            }
        } finally {
            pool.shutdownNow();
            for (TestGateway gw : replicas) {
                gw.close();
            }
            replicas.clear();
            Databases.drop(url);
        }
    }

    private static long reservedOn(TestGateway gw) throws Exception {
        gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS); // the budgets /spend reports are the alert cycle's
        HttpResponse<String> r = Http.get(gw.adminUrl("/admin/v1/tenants/acme/spend"), "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body()).path("budgets").get(0).path("reservedMicros").asLong();
    }

    /**
     * A replica in a process of its own, to be killed: the survivor's tenants, keys and upstreams on
     * ports of its own ({@code dataPort}), the basic tier on {@code basicLimits}, then {@code extraYaml}.
     */
    private static ChildWarden child(TestGateway survivor, int dataPort, String basicLimits, String extraYaml) throws Exception {
        Path dir = Files.createTempDirectory("warden-crash");
        int adminPort = ChildWarden.freePort();
        Path config = dir.resolve("warden.yaml");
        Files.writeString(config, survivor.yaml()
                .replace("data: { host: 127.0.0.1, port: 0 }", "data: { host: 127.0.0.1, port: " + dataPort + " }")
                .replace("admin: { host: 127.0.0.1, port: 0 }", "admin: { host: 127.0.0.1, port: " + adminPort + " }")
                .replaceFirst("dataDir: .*", "dataDir: " + dir.resolve("data"))
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: " + basicLimits + " }")
                + extraYaml);
        return ChildWarden.start(config, adminPort, dir.resolve("child.log"));
    }

    @Test
    void aReplicaKilledMidStreamGivesItsSeatsBackWithinTheHoldTtl() throws Exception {
        int ttl = 3;
        startReplicas(1, "{ concurrency: 3 }", null, ttl);
        TestGateway survivor = replicas.get(0);
        int dataPort = ChildWarden.freePort();
        ChildWarden replica = child(survivor, dataPort, "{ concurrency: 3 }", RedisService.limiterYaml(namespace, ttl));
        Process child = replica.process;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            long deadline;
            String key = survivor.key("globex");
            String slow = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":50,\"messages\":[]}";
            long streamsBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int i = 0; i < 3; i++) { // three long streams hold the tenant's three seats on the child
                pool.submit(() -> {
                    // a probe below may hold a seat for a moment: a stream refused then asks again
                    while (Http.post("http://127.0.0.1:" + dataPort + "/v1/chat/completions", slow, "Authorization", bearer(key),
                            "X-Sim-Fault", "pace=1").statusCode() == 429 && System.nanoTime() < streamsBy) {
                        Thread.sleep(20);
                    }
                    return null;
                });
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            HttpResponse<String> r;
            while ((r = Http.post(survivor.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key)))
                    .statusCode() == 200) {
                assertThat(System.nanoTime()).as("the child's streams hold every seat").isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(r.body()).contains("\"code\":\"concurrency_limited\"");

            child.destroyForcibly(); // SIGKILL: no settlement, no goodbye
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            assertThat(Http.post(survivor.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key))
                    .statusCode()).as("the dead replica's seats are held until their TTL").isEqualTo(429);
            while (Http.post(survivor.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key))
                    .statusCode() != 200) {
                assertThat((System.nanoTime() - killed) / 1e9).as("seats back within the TTL (%d s) and a renewal period", ttl)
                        .isLessThan(ttl + 1.5);
                Thread.sleep(100);
            }
        } finally {
            pool.shutdownNow();
            child.destroyForcibly();
        }
    }

    @Test
    void aReplicaKilledHoldingPartOfABudgetCostsAtMostWhatItHeld() throws Exception {
        int ttl = 3;
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        ChildWarden replica = null;
        try {
            startReplicas(1, "{ requestsPerMinute: 6000000 }", url, ttl);
            TestGateway survivor = replicas.get(0);
            HttpResponse<String> put = Http.call("PUT", survivor.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                    "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":1000000,\"hard\":true}]}", "Authorization", bearer(survivor.adminToken));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            int dataPort = ChildWarden.freePort();
            // the same control store too: it sees the budget, and its ledger rows are the survivor's to sum
            replica = child(survivor, dataPort, "{ requestsPerMinute: 6000000 }",
                    RedisService.limiterYaml(namespace, ttl) + "store: { url: \"" + url + "\" }\n");
            String child = "http://127.0.0.1:" + dataPort + "/v1/chat/completions";
            String key = survivor.key("acme");
            for (int i = 0; i < 100; i++) { // a busy tenant on the child: its lease holds part of the budget
                HttpResponse<String> r = Http.post(child, chat("gpt-sim", "hi"), "Authorization", bearer(key));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            Thread.sleep(200); // under the idle time: the lease keeps its hold; the child's ledger rows reach the store
            long[] before = RedisService.dayBudget(namespace, "acme");
            assertThat(before[1]).as("the child's lease holds part of the budget").isPositive();
            replica.process.destroyForcibly(); // SIGKILL: no report, no goodbye
            assertThat(replica.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(ttl * 1000L + 500); // the child's hold expires
            assertThat(Http.post(survivor.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key))
                    .statusCode()).isEqualTo(200); // its admission gives the expired hold back (as spent)
            Thread.sleep(Leases.IDLE_MS + 300);
            assertThat(survivor.ledger.flush(5_000)).isTrue();
            long dayStart = Budget.Period.DAY.startMs(System.currentTimeMillis());
            long spent = survivor.store.ledger().spend(dayStart, dayStart + 86_400_000L).stream()
                    .filter(s -> s.tenantId().equals("acme")).mapToLong(TenantSpend::costMicros).sum();
            long[] after = RedisService.dayBudget(namespace, "acme");
            assertThat(after[1]).as("nothing reserved any more").isZero();
            assertThat(after[0]).as("the dead replica's hold counted as spent: never less than was spent").isGreaterThanOrEqualTo(spent);
            // the price of the crash: what the child held and had not spent, gone from the day's budget
            assertThat(after[0] - spent).as("and at most what it held").isPositive().isLessThanOrEqualTo(before[1]);
        } finally {
            if (replica != null) {
                replica.process.destroyForcibly();
            }
            for (TestGateway gw : replicas) {
                gw.close();
            }
            replicas.clear();
            Databases.drop(url);
        }
    }

    @Test
    void aPoolsSeatsAndFairTurnsAreSharedByTheReplicas() throws Exception {
        startReplicas(2, "{ requestsPerMinute: 100000 }", null, 60, yaml -> yaml.replace("  main:\n    upstreams:",
                "  main:\n    capacity: { seats: 2, seatUnits: 100000, maxQueuePerTenant: 50, queueTimeoutMs: 20000 }\n    upstreams:"));
        for (TestGateway gw : replicas) {
            gw.eu.trackSpans();
            gw.us.trackSpans();
        }
        String slow = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}"; // ~500 ms at 20 tokens/s
        TestGateway first = replicas.get(0);
        double admits = first.metric("warden_limiter_store_round_trips_total", "op=\"admit\"");
        double leases = first.metric("warden_limiter_store_round_trips_total", "op=\"lease\"");
        double seatAsks = first.metric("warden_limiter_store_round_trips_total", "op=\"seats\"");
        for (int i = 0; i < 5; i++) { // free seats: the rates decided on the tenant's lease, the seats in one round trip
            assertThat(Http.post(first.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(first.key("globex")))
                    .statusCode()).isEqualTo(200);
        }
        assertThat(first.metric("warden_limiter_store_round_trips_total", "op=\"admit\"") - admits).as("none per request").isZero();
        assertThat(first.metric("warden_limiter_store_round_trips_total", "op=\"lease\"") - leases).isBetween(1.0, 5.0);
        assertThat(first.metric("warden_limiter_store_round_trips_total", "op=\"seats\"") - seatAsks).as("one ask each").isEqualTo(5);
        for (TestGateway gw : replicas) { // what follows counts only the flood and the quiet tenant
            gw.eu.trackSpans();
            gw.us.trackSpans();
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            TestGateway noisy = replicas.get(0);
            TestGateway quiet = replicas.get(1);
            List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                flood.add(CompletableFuture.supplyAsync(() -> Http.post(noisy.dataUrl("/v1/chat/completions"), slow,
                        "Authorization", bearer(noisy.key("globex")), "X-Sim-Fault", "pace=20"), pool));
            }
            Thread.sleep(300); // the flood on one replica holds both seats of the pool, 14 wait there
            List<Long> quietMs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = Http.post(quiet.dataUrl("/v1/chat/completions"), slow, "Authorization", bearer(quiet.key("acme")),
                        "X-Sim-Fault", "pace=20");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                quietMs.add((System.nanoTime() - t0) / 1_000_000);
            }
            for (var f : flood) {
                assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).as("the flood is served in full").isEqualTo(200);
            }
            // on the other replica, behind the flood's backlog, the quiet tenant still gets the next
            // seat its turn gives it: its own 500 ms plus about two service times at most
            assertThat(quietMs).allMatch(ms -> ms < 1_800, "each quiet request within ~3 service times: " + quietMs);
            List<long[]> spans = new ArrayList<>();
            for (TestGateway gw : replicas) {
                spans.addAll(gw.eu.spans());
                spans.addAll(gw.us.spans());
            }
            assertThat(spans).hasSize(18);
            assertThat(Spans.maxOverlap(spans)).as("never more requests at the upstreams than the pool's 2 seats, across both replicas")
                    .isLessThanOrEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }
}
