package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.admission.store.Leases;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RedisService;
import dev.warden.testing.TcpProxy;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission leases on the {@code redis} store, over real HTTP against this machine's Redis: a busy
 * tenant is admitted on its replica's lease with a round trip for many requests, a lease a quiet
 * replica no longer needs goes back to the shared limit, and seats held by one replica's lease go
 * back for another replica's requests as soon as they are free, a budget is spent on the lease to
 * the micro-unit and Redis counts every micro-unit of it once (through an outage too). (That the
 * replicas together never pass a limit or a budget on leases: {@code SharedLimiterTest},
 * {@code RedisTopologyTest}; a killed replica's leased seats: {@code SharedLimiterTest}; an expired
 * account hold counts as spent: {@code LimiterScriptTest}.)
 */
class LeaseAdmissionTest {
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

    private void startReplicas(int n, String tierLimits) throws Exception {
        startReplicas(n, tierLimits, null);
    }

    /** {@code storeUrl}: the control store (budgets are its settings), or null for none. */
    private void startReplicas(int n, String tierLimits, String storeUrl) throws Exception {
        String limiter = RedisService.limiterYaml(namespace, 60);
        for (int i = 0; i < n; i++) {
            replicas.add(new TestGateway(yaml -> limiter + yaml.replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                    "basic: { description: \"small\", maxOutputTokens: 50, limits: " + tierLimits + " }"), storeUrl));
        }
    }

    /** A hard day budget of {@code micros} for the tenant, on the admin API. */
    private static void budget(TestGateway gw, String tenant, long micros) throws Exception {
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/" + tenant + "/settings/budgets"),
                "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":" + micros + ",\"hard\":true}]}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300); // the settings reach the replica's state
    }

    private static long spent(TestGateway gw, String tenant) throws Exception {
        return gw.usageRows(tenant).stream().mapToLong(UsageRecord::costMicros).sum();
    }

    /** {@code requests} chat requests of {@code tenant} by 8 clients at once, each answered 200. */
    private static void busy(TestGateway gw, String tenant, int requests) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(CompletableFuture.runAsync(() -> {
                    while (next.getAndIncrement() < requests) {
                        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                                "Authorization", bearer(gw.key(tenant)));
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    }
                }, pool));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double roundTrips(TestGateway gw, String op) {
        return gw.metric("warden_limiter_store_round_trips_total", "op=\"" + op + "\"");
    }

    @Test
    void aBusyTenantIsAdmittedOnItsLeaseWithAFractionOfARoundTripPerRequest() throws Exception {
        startReplicas(1, "{ requestsPerMinute: 6000000, tokensPerMinute: 600000000, perKey: { requestsPerMinute: 6000000 },"
                + " concurrency: 1000 }");
        TestGateway gw = replicas.get(0);
        int requests = 600;
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(CompletableFuture.runAsync(() -> {
                    while (next.getAndIncrement() < requests) {
                        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                                "Authorization", bearer(gw.key("globex")));
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                        assertThat(r.headers().firstValue("RateLimit")).as("the headers come from the lease too").isPresent();
                    }
                }, pool));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        double leases = gw.metric("warden_limiter_store_lease_admissions_total");
        double calls = roundTrips(gw, "lease") + roundTrips(gw, "admit");
        // the first few, before the lease has grown to the demand, may be decided per request
        assertThat(leases).as("decided on the lease").isGreaterThan(requests * 0.95);
        // one admit round trip may decide several requests at once, their settlements go in separate pipelines
        assertThat(roundTrips(gw, "settle")).as("requests end in the lease: only those decided per request settle in Redis")
                .isLessThanOrEqualTo(requests - leases);
        assertThat(calls / requests).as("round trips per admission (%.0f for %d)", calls, requests).isLessThan(0.1);
        Thread.sleep(Leases.IDLE_MS + 300); // the lease goes idle and gives everything back; the tenant comes back
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization",
                    bearer(gw.key("globex")));
            assertThat(r.statusCode()).as("after the lease went idle: %s", r.body()).isEqualTo(200);
        }
    }

    @Test
    void aBudgetedTenantSpendsOnItsLeaseAndRedisCountsEveryMicroUnitOnce() throws Exception {
        startReplicas(1, "{ requestsPerMinute: 6000000 }", Databases.fresh(Databases.Kind.SQLITE));
        TestGateway gw = replicas.get(0);
        budget(gw, "globex", 100_000_000);
        int requests = 400;
        busy(gw, "globex", requests);
        double leases = gw.metric("warden_limiter_store_lease_admissions_total");
        double calls = roundTrips(gw, "lease") + roundTrips(gw, "admit");
        assertThat(leases).as("decided on the lease, the budget's worst cases too").isGreaterThan(requests * 0.9);
        assertThat(calls / requests).as("round trips per admission (%.0f for %d)", calls, requests).isLessThan(0.15);
        Thread.sleep(Leases.IDLE_MS + 300); // idle: the lease reports its last use and gives its hold back
        long spent = spent(gw, "globex");
        assertThat(spent).isPositive();
        assertThat(RedisService.dayBudget(namespace, "globex")).as("Redis's count is the ledger's spend, nothing held").containsExactly(spent, 0);
    }

    @Test
    void aBudgetSpentOnTheLeaseStopsAtItsLimitToTheMicroUnit() throws Exception {
        startReplicas(1, "{ requestsPerMinute: 6000000 }", Databases.fresh(Databases.Kind.SQLITE));
        TestGateway gw = replicas.get(0);
        budget(gw, "globex", 300);
        String body = "{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        int ok = 0;
        HttpResponse<String> r;
        while ((r = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("globex")))).statusCode() == 200) {
            ok++;
            assertThat(ok).as("stopped by the budget").isLessThan(100);
        }
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("\"code\":\"budget_exhausted\"");
        // each costs its worst case (the sim answers max_tokens): the budget holds exactly 300 / cost of them
        List<UsageRecord> rows = gw.usageRows("globex");
        long cost = rows.get(0).costMicros();
        assertThat(rows).allSatisfy(row -> assertThat(row.costMicros()).isEqualTo(cost));
        assertThat(ok).as("every request whose worst case (%d) still fit in 300", cost).isEqualTo((int) (300 / cost));
        assertThat(gw.metric("warden_limiter_store_lease_admissions_total")).as("after the first, on the lease (admit %s lease %s settle %s)", roundTrips(gw, "admit"), roundTrips(gw, "lease"), roundTrips(gw, "settle")).isGreaterThanOrEqualTo(ok - 1);
        Thread.sleep(Leases.IDLE_MS + 300);
        assertThat(RedisService.dayBudget(namespace, "globex")).containsExactly(ok * cost, 0);
    }

    @Test
    void aLeaseTheReplicaNoLongerNeedsGoesBackToTheSharedLimit() throws Exception {
        startReplicas(2, "{ requestsPerMinute: 120, burstSeconds: 10 }"); // burst 20, then 2 a second
        TestGateway a = replicas.get(0);
        TestGateway b = replicas.get(1);
        assertThat(a.awaitMetric(2, "warden_limiter_store_replicas")).isEqualTo(2);
        for (int i = 0; i < 10; i++) { // a busy moment on a: its lease grows past what it uses
            assertThat(Http.post(a.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(a.key("globex")))
                    .statusCode()).isEqualTo(200);
        }
        long quietFrom = System.nanoTime();
        Thread.sleep(1500); // a is idle: what its lease holds goes back
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (Http.post(b.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(b.key("globex")))
                    .statusCode() == 200) {
                admitted++;
            }
        }
        double refilled = 2 * (System.nanoTime() - quietFrom) / 1e9;
        // 20 - 10 used + what refilled meanwhile is all there is; a slice a kept would be missing from it
        assertThat(admitted).as("b admitted after %.1f units refilled", refilled).isBetween(10 + (int) refilled - 1, 10 + (int) refilled + 1);
    }

    @Test
    void seatsOneReplicaNoLongerUsesGoBackForAnotherReplica() throws Exception {
        startReplicas(2, "{ concurrency: 2 }");
        TestGateway a = replicas.get(0);
        TestGateway b = replicas.get(1);
        String slow = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}"; // ~1 s at 10 tokens/s
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<Integer>> streams = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                streams.add(CompletableFuture.supplyAsync(() -> Http.post(a.dataUrl("/v1/chat/completions"), slow,
                        "Authorization", bearer(a.key("globex")), "X-Sim-Fault", "pace=10").statusCode(), pool));
            }
            assertThat(a.awaitMetric(2, "warden_limiter_store_lease_admissions_total")).as("both streams on a's lease").isEqualTo(2);
            HttpResponse<String> refused = Http.post(b.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                    "Authorization", bearer(b.key("globex")));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.body()).contains("\"code\":\"concurrency_limited\"");
            for (CompletableFuture<Integer> s : streams) {
                assertThat(s.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            }
            long ended = System.nanoTime();
            while (Http.post(b.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(b.key("globex")))
                    .statusCode() != 200) {
                assertThat((System.nanoTime() - ended) / 1e6).as("a's lease gives the seats back as the streams end").isLessThan(100);
                Thread.sleep(10);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A replica whose Redis is reached through {@code relay}: globex on {@code globexLimits}, acme on a
     * burst of 10, too small to slice (its calls are decided per request: the first after a cut finds
     * Redis away). {@code storeUrl}: the control store, or null.
     */
    private TestGateway behind(TcpProxy relay, String globexLimits, String storeUrl) throws Exception {
        String limiter = "limiter: { store: redis, redis: \"redis://127.0.0.1:" + relay.port() + "\", namespace: " + namespace
                + ", timeoutMs: 200 }\n";
        TestGateway gw = new TestGateway(yaml -> limiter + yaml
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: " + globexLimits + " }")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                        "gold: { description: \"top\", maxOutputTokens: 0, limits: { requestsPerMinute: 60 } }"), storeUrl);
        replicas.add(gw);
        return gw;
    }

    /** Cuts the replica's Redis, and makes sure it knows (acme's next call goes to Redis and finds it away). */
    private static void cut(TcpProxy relay, TestGateway gw) throws Exception {
        relay.cut();
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")));
        assertThat(gw.metric("warden_limiter_store_up")).as("acme's call found Redis away").isZero();
    }

    @Test
    void anOutageIsBridgedByWhatTheLeaseHolds() throws Exception {
        try (TcpProxy relay = new TcpProxy("127.0.0.1", 6379)) {
            TestGateway gw = behind(relay, "{ requestsPerMinute: 600000, burstSeconds: 1 }", null);
            for (int i = 0; i < 60; i++) { // a busy tenant: its slice grows to its demand
                assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("globex")))
                        .statusCode()).isEqualTo(200);
            }
            cut(relay, gw);
            double leased = gw.metric("warden_limiter_store_lease_admissions_total");
            int burst = 10;
            ExecutorService pool = Executors.newFixedThreadPool(burst);
            try {
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < burst; i++) { // all at once at the outage's start: its share's buckets start empty
                    calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                            "Authorization", bearer(gw.key("globex"))), pool));
                }
                for (CompletableFuture<HttpResponse<String>> c : calls) {
                    HttpResponse<String> r = c.get(10, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as("served through the outage's first moments: %s", r.body()).isEqualTo(200);
                }
            } finally {
                pool.shutdownNow();
            }
            // the first on what the lease held (its size follows the demand, and a renewal may have been in
            // flight at the cut), the rest on the outage's share, which has filled since the outage began;
            // with the slices forfeited at the outage, none would be on the lease and some would be refused
            assertThat(gw.metric("warden_limiter_store_lease_admissions_total") - leased)
                    .as("admitted on what the lease held before Redis went away").isPositive();
        }
    }

    @Test
    void aBudgetedTenantIsServedOnItsLeasesHoldThroughAnOutageAndRedisCountsItAfter() throws Exception {
        try (TcpProxy relay = new TcpProxy("127.0.0.1", 6379)) {
            TestGateway gw = behind(relay, "{ requestsPerMinute: 6000000 }", Databases.fresh(Databases.Kind.SQLITE));
            budget(gw, "globex", 100_000_000);
            busy(gw, "globex", 200); // a busy tenant: its hold on the budget grows to its demand
            cut(relay, gw);
            double leased = gw.metric("warden_limiter_store_lease_admissions_total");
            int served = 0;
            HttpResponse<String> r;
            while ((r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("globex"))))
                    .statusCode() == 200) {
                served++;
                assertThat(served).as("the hold runs out").isLessThan(10_000);
            }
            // without the lease a budget cannot be checked while Redis is away: refused from the first request
            assertThat(served).as("served on what the lease held").isPositive();
            assertThat(gw.metric("warden_limiter_store_lease_admissions_total") - leased).isEqualTo(served);
            assertThat(r.body()).contains("\"code\":\"limiter_unavailable\"");
            relay.restore();
            assertThat(gw.awaitMetric(1, "warden_limiter_store_up")).isEqualTo(1);
            busy(gw, "globex", 20);
            Thread.sleep(Leases.IDLE_MS + 300);
            long spent = spent(gw, "globex");
            assertThat(RedisService.dayBudget(namespace, "globex")).as("what was spent during the outage reported when Redis came back")
                    .containsExactly(spent, 0);
        }
    }
}
