package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditLog;
import dev.warden.record.AuditVerifier;
import dev.warden.record.UsageRecord;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimServer;
import dev.warden.store.ControlStore;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.ChildWarden;
import dev.warden.testing.Http;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Warden as a process: SIGTERM under load drains the requests in flight and loses no usage record
 * nor audit event; SIGKILL and a restart leave an audit chain that verifies.
 */
class ProcessLifecycleTest {
    private final Vertx vertx = Vertx.vertx();
    private SimServer sim;
    private Path dir;
    private Path config;
    private int dataPort;
    private int adminPort;
    private final String key = ApiKeyFormat.generate();

    @BeforeEach
    void setUp() throws Exception {
        sim = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        dir = Files.createTempDirectory("warden-lifecycle");
        dataPort = ChildWarden.freePort();
        adminPort = ChildWarden.freePort();
        config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                listeners:
                  data: { host: 127.0.0.1, port: %d }
                  admin: { host: 127.0.0.1, port: %d }
                dataDir: %s
                timeouts: { drainMs: 20000 }
                telemetry: { accessLog: false }
                pools: { sim: { upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ] } }
                models:
                  gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } }
                  other: { pool: sim }
                tiers: { pro: { description: p } }
                tenants: { acme: { tier: pro, regions: [eu], models: [gpt-sim], keys: [ { key: "%s" } ] } }
                """.formatted(dataPort, adminPort, dir.resolve("data"), sim.port(), key));
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> chat(String model, boolean stream, int maxTokens) {
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return Http.post("http://127.0.0.1:" + dataPort + "/v1/chat/completions", body, "Authorization", bearer(key),
                "X-Sim-Fault", "pace=10");
    }

    private ControlStore store() {
        return ControlStores.open(ControlStores.defaultUrl(dir.resolve("data")));
    }

    private AuditVerifier.Result verifyAudit(ControlStore store) throws Exception {
        AuditLog.Head head = store.audit().head();
        return AuditVerifier.verify(store.audit().all(), head.seq(), head.mac(),
                new AuditChain(KeyHasher.secretFile(dir.resolve("data").resolve("audit.secret"))));
    }

    @Test
    void sigtermDrainsTheRequestsInFlightAndLosesNoUsageRecord() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        try (ChildWarden warden = ChildWarden.start(config, adminPort, dir.resolve("warden.log"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(chat("other", false, 5).statusCode()).as("refused and audited").isEqualTo(403);
            }
            for (int i = 0; i < 8; i++) { // 20 tokens at 10 a second: each stream runs ~2 s
                streams.add(CompletableFuture.supplyAsync(() -> chat("gpt-sim", true, 20), clients));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sim.requestCount() < 8) {
                assertThat(System.nanoTime()).as("all eight streams reached the upstream").isLessThan(deadline);
                Thread.sleep(20);
            }
            warden.process.destroy(); // SIGTERM
            Thread.sleep(300);
            assertThat(warden.ready()).as("/readyz stops saying ready at once").isFalse();
            for (CompletableFuture<HttpResponse<String>> s : streams) {
                HttpResponse<String> r = s.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).as("every stream in flight ran to its end").contains("data: [DONE]");
            }
            assertThat(warden.process.waitFor(30, TimeUnit.SECONDS)).as("it exits once drained").isTrue();
        } finally {
            clients.shutdownNow();
        }
        try (ControlStore store = store()) {
            List<UsageRecord> rows = store.ledger().usage("acme", 0, Long.MAX_VALUE);
            assertThat(rows).as("one ledger row per answered request, none lost").hasSize(8);
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.outputTokens()).isEqualTo(20);
                assertThat(r.aborted()).isFalse();
            });
            AuditVerifier.Result audit = verifyAudit(store);
            assertThat(audit.ok()).as(audit.problem()).isTrue();
            assertThat(audit.records()).as("the three refusals").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void withAShutdownDelayNewRequestsAreStillServedWhileReadinessSaysGoingAway() throws Exception {
        Files.writeString(config, Files.readString(config).replace("timeouts: { drainMs: 20000 }",
                "timeouts: { drainMs: 20000, shutdownDelayMs: 2000 }"));
        int served = 0;
        try (ChildWarden warden = ChildWarden.start(config, adminPort, dir.resolve("warden.log"))) {
            assertThat(chat("gpt-sim", false, 2).statusCode()).isEqualTo(200);
            long term = System.nanoTime();
            warden.process.destroy(); // SIGTERM
            Thread.sleep(300);
            assertThat(warden.ready()).as("/readyz says 503 at once: the endpoint is taken out").isFalse();
            while (System.nanoTime() - term < TimeUnit.MILLISECONDS.toNanos(1500)) {
                assertThat(chat("gpt-sim", false, 2).statusCode()).as("a new request during the delay is served").isEqualTo(200);
                served++;
            }
            assertThat(served).isPositive();
            assertThat(warden.process.waitFor(30, TimeUnit.SECONDS)).as("it exits after the delay and the drain").isTrue();
            assertThat(System.nanoTime() - term).as("not before the delay").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2000));
        }
        try (ControlStore store = store()) {
            assertThat(store.ledger().usage("acme", 0, Long.MAX_VALUE)).as("every request served during the delay is recorded")
                    .hasSize(served + 1);
        }
    }

    @Test
    void afterSigkillAndARestartTheAuditChainVerifies() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            ChildWarden first = ChildWarden.start(config, adminPort, dir.resolve("first.log"));
            for (int t = 0; t < 4; t++) { // refusals, each an audit event, written in batches while the process dies
                clients.submit(() -> {
                    while (running.get()) {
                        try {
                            if (chat("other", false, 5).statusCode() == 403) {
                                refused.incrementAndGet();
                            }
                        } catch (RuntimeException gone) {
                            // the process is gone
                        }
                    }
                    return null;
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (refused.get() < 200) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
            first.process.destroyForcibly(); // SIGKILL mid-write
            assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

            try (ControlStore store = store()) {
                AuditVerifier.Result afterKill = verifyAudit(store);
                assertThat(afterKill.ok()).as("what reached the store is a whole chain: %s", afterKill.problem()).isTrue();
            }
            try (ChildWarden second = ChildWarden.start(config, adminPort, dir.resolve("second.log"))) {
                for (int i = 0; i < 5; i++) {
                    assertThat(chat("other", false, 5).statusCode()).isEqualTo(403);
                }
                assertThat(chat("gpt-sim", false, 5).statusCode()).isEqualTo(200);
                second.process.destroy();
                assertThat(second.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            try (ControlStore store = store()) {
                AuditVerifier.Result afterRestart = verifyAudit(store);
                assertThat(afterRestart.ok()).as(afterRestart.problem()).isTrue();
                assertThat(afterRestart.records()).as("the restarted process extends the same chain").isGreaterThanOrEqualTo(5);
                assertThat(store.ledger().usage("acme", 0, Long.MAX_VALUE)).hasSize(1);
            }
        } finally {
            running.set(false);
            clients.shutdownNow();
        }
    }
}
