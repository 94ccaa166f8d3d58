package dev.warden.testing;

import dev.warden.admin.AdminToken;
import dev.warden.app.ControlPlane;
import dev.warden.app.Gateway;
import dev.warden.app.VertxFactory;
import dev.warden.config.SnapshotCompiler;
import dev.warden.config.SnapshotHolder;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditRecord;
import dev.warden.record.AuditWriter;
import dev.warden.record.LedgerWriter;
import dev.warden.record.UsageRecord;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimServer;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreState;
import dev.warden.store.StoreSync;
import dev.warden.store.jdbc.ControlStores;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real gateway on loopback port 0 in front of two real sims (regions {@code eu} and {@code us}),
 * with a config written to a temp file (so reloads can be tested) and fresh keys per tenant.
 *
 * <p>Tenants: {@code acme} (any region; echo, gpt-sim, embed-sim, scorer, us-only),
 * {@code globex} (any region; gpt-sim, embed-sim), {@code initech} (eu only; echo, gpt-sim,
 * us-only), {@code frozen} (suspended). {@code us-only} is served only in us.
 */
public final class TestGateway implements AutoCloseable {
    public final Vertx vertx = VertxFactory.create();
    public final SimServer eu;
    public final SimServer us;
    public final Gateway gateway;
    public final Path configFile;
    public final String adminToken;
    public final Map<String, String> keys = new LinkedHashMap<>();
    /** The control store behind this gateway, or null. */
    public ControlStore store;
    private StoreSync sync;
    /** The audit writer and chain (with a store), or null. */
    public AuditWriter audit;
    public AuditChain auditChain;
    public LedgerWriter ledger;
    /** The control plane (with a store), or null. */
    public ControlPlane controlPlane;
    /** Audit queue size for the next gateway a test builds (tests of back-pressure make it small). */
    public static int auditQueue = 10_000;
    private KeyHasher hasherForTests;
    private final Path dir;

    public TestGateway() throws Exception {
        this(yaml -> yaml);
    }

    /** {@code edit} may change the generated YAML before the gateway starts. */
    public TestGateway(Function<String, String> edit) throws Exception {
        this(edit, null);
    }

    /** Backed by the control store at {@code storeUrl} (synced every 100 ms), or by none if null. */
    public TestGateway(Function<String, String> edit, String storeUrl) throws Exception {
        dir = Files.createTempDirectory("warden-test");
        eu = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        us = new SimServer(vertx, SimOptions.of(0, "us")).start().await(10, TimeUnit.SECONDS);
        for (String t : new String[] {"acme", "globex", "initech", "frozen"}) {
            keys.put(t, ApiKeyFormat.generate());
        }
        keys.put("acme-viewer", ApiKeyFormat.generate());
        keys.put("acme-echo-only", ApiKeyFormat.generate());
        configFile = dir.resolve("warden.yaml");
        Files.writeString(configFile, edit.apply(yaml()));
        KeyHasher hasher = new KeyHasher(randomSecret());
        hasherForTests = hasher;
        StoreState state = new StoreState();
        if (storeUrl != null) {
            store = ControlStores.open(storeUrl);
            state.reload(store);
        }
        SnapshotHolder holder = SnapshotHolder.fromFile(configFile, new SnapshotCompiler(hasher), state);
        AdminToken.Issued admin = AdminToken.issue(hasher);
        adminToken = admin.token();
        ControlPlane control = null;
        if (store != null) {
            sync = new StoreSync(vertx, store, state, holder);
            auditChain = new AuditChain(randomSecret());
            control = ControlPlane.start(vertx, store, sync, holder, hasher, auditChain, auditQueue,
                    Math.max(1, auditQueue / 10));
            controlPlane = control;
            audit = control.audit();
            ledger = control.ledger();
        }
        gateway = Gateway.start(vertx, holder, hasher, admin.verifier(), 2,
                control).await(20, TimeUnit.SECONDS);
        if (sync != null) {
            sync.start(100);
        }
    }

    public String yaml() {
        return yaml(keys);
    }

    /** The config with the given keys; tests rewrite it to test reloads. */
    public String yaml(Map<String, String> k) {
        return """
                listeners:
                  data: { host: 127.0.0.1, port: 0 }
                  admin: { host: 127.0.0.1, port: 0 }
                dataDir: %s
                config: { watchIntervalMs: 100 }
                egress: { allowLoopback: true }
                limits: { maxBodyBytes: 65536, maxHeaderBytes: 8192, maxUriBytes: 2048, maxJsonDepth: 32 }
                timeouts: { connectMs: 1000, firstByteMs: 2000, idleMs: 1500, clientIdleMs: 20000 }
                pools:
                  main:
                    upstreams:
                      - { url: "http://127.0.0.1:%d", region: eu }
                      - { url: "http://127.0.0.1:%d", region: us }
                  us-pool:
                    upstreams:
                      - { url: "http://127.0.0.1:%d", region: us }
                models:
                  echo: { pool: main }
                  gpt-sim: { pool: main, maxOutputTokens: 100, price: { inputPer1k: 500, outputPer1k: 1500 } }
                  embed-sim: { pool: main }
                  scorer: { pool: main, predict: { computeUnits: { perCall: 5 }, price: { perCall: 300, perItem: 100 } } }
                  us-only: { pool: us-pool }
                tiers:
                  gold: { description: "top", maxOutputTokens: 0 }
                  basic: { description: "small", maxOutputTokens: 50 }
                tenants:
                  acme:
                    tier: gold
                    regions: ["*"]
                    models: [echo, gpt-sim, embed-sim, scorer, us-only]
                    keys:
                      - { key: "%s", role: developer }
                      - { key: "%s", role: viewer }
                      - { key: "%s", role: developer, models: [echo] }
                  globex:
                    tier: basic
                    regions: ["*"]
                    models: [gpt-sim, embed-sim]
                    keys:
                      - { key: "%s" }
                  initech:
                    tier: basic
                    regions: [eu]
                    models: [echo, gpt-sim, us-only]
                    keys:
                      - { key: "%s" }
                  frozen:
                    tier: basic
                    regions: ["*"]
                    models: [gpt-sim]
                    status: suspended
                    keys:
                      - { key: "%s" }
                """.formatted(dir.resolve("data"), eu.port(), us.port(), us.port(),
                k.get("acme"), k.get("acme-viewer"), k.get("acme-echo-only"), k.get("globex"), k.get("initech"),
                k.get("frozen"));
    }

    public String key(String tenant) {
        return keys.get(tenant);
    }

    public String dataUrl(String path) {
        return "http://127.0.0.1:" + gateway.dataPort() + path;
    }

    public String adminUrl(String path) {
        return "http://127.0.0.1:" + gateway.adminPort() + path;
    }

    /** The headers of the last request either sim answered (tenants of any region go to both). */
    public MultiMap lastUpstreamHeaders() {
        return (eu.lastAnsweredNanos() > us.lastAnsweredNanos() ? eu : us).lastHeaders();
    }

    public long upstreamRequests() {
        return eu.requestCount() + us.requestCount();
    }

    /** The value of one Prometheus sample (0 if absent), e.g. {@code warden_tokens_total{...}}. */
    public double metric(String name, String... labels) {
        String scrape = gateway.registry().scrape();
        outer:
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            for (String l : labels) {
                if (!line.contains(l)) {
                    continue outer;
                }
            }
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return 0;
    }

    /**
     * Waits (at most 5 s) for a sample to reach {@code expected} and returns its last value:
     * metrics are recorded when an exchange completes, which may be just after the client has
     * its answer.
     */
    public double awaitMetric(double expected, String name, String... labels) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        double v = metric(name, labels);
        while (v != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
            v = metric(name, labels);
        }
        return v;
    }

    private static byte[] randomSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /**
     * The ledger row of one request's answer (its last row: calls that did not become the answer
     * come before it), waiting (5 s at most) for it: a row is queued when its exchange completes,
     * which may be just after the client has its answer.
     */
    /** Every usage row of a tenant, once the ledger writer has drained. */
    public List<UsageRecord> usageRows(String tenant) throws InterruptedException {
        Thread.sleep(25); // rows are queued when an exchange completes, just after the client has the answer
        if (!ledger.flush(5000)) {
            throw new AssertionError("ledger writer did not drain in 5 s");
        }
        return store.ledger().usage(tenant, 0, Long.MAX_VALUE);
    }

    public UsageRecord usageRow(String tenant, String requestId) throws InterruptedException {
        List<UsageRecord> rows = usageRows(tenant, requestId);
        return rows.get(rows.size() - 1);
    }

    /** Every ledger row of one request, in order (waiting, 5 s at most, for at least one). */
    public List<UsageRecord> usageRows(String tenant, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            if (!ledger.flush(5000)) {
                throw new AssertionError("ledger writer did not drain in 5 s");
            }
            List<UsageRecord> rows = store.ledger().usage(tenant, 0, Long.MAX_VALUE).stream()
                    .filter(r -> r.requestId().equals(requestId)).toList();
            if (!rows.isEmpty()) {
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no ledger row for request " + requestId);
            }
            Thread.sleep(20);
        }
    }

    /** Every audit record, once everything queued so far has been written. */
    public List<AuditRecord> auditRecords() throws InterruptedException {
        // an exchange's events are queued when it completes, on its event loop, just after the client has the answer
        Thread.sleep(25);
        if (!audit.flush(5000)) {
            throw new AssertionError("audit writer did not drain in 5 s");
        }
        return store.audit().all();
    }

    /**
     * ATTACKS' AE: the refusal left exactly one audit event, a deny with the refusal's stable code
     * (read from the answer's problem+json) and its request id, naming no secret.
     */
    public void assertAudited(HttpResponse<String> r) throws InterruptedException {
        assertAudited(r.headers().firstValue("X-Request-ID").orElse(null), r.body());
    }

    /** The same for a raw-socket answer (its first response). */
    public void assertAudited(RawHttp.Answer a) throws InterruptedException {
        String id = a.text().lines().filter(l -> l.regionMatches(true, 0, "X-Request-ID: ", 0, 14)).findFirst()
                .map(l -> l.substring(14).strip()).orElse(null);
        assertAudited(id, a.text());
    }

    /**
     * The audit records matching {@code which}, waiting up to 5 s for the first (a refusal's event is
     * queued when its exchange completes, which may be just after the client has the answer).
     */
    public List<AuditRecord> awaitAudit(java.util.function.Predicate<AuditRecord> which) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<AuditRecord> found = auditRecords().stream().filter(which).toList();
            if (!found.isEmpty() || System.nanoTime() > deadline) {
                return found;
            }
            Thread.sleep(20);
        }
    }

    /** How many audit records exist once the writer has drained (a mark for {@link #assertOneNewDeny}). */
    public int auditMark() throws InterruptedException {
        return auditRecords().size();
    }

    /** Since {@code mark}, exactly one audit event was added: a deny whose reason starts with {@code code}. */
    public AuditEvent assertOneNewDeny(int mark, String code) throws InterruptedException {
        List<AuditRecord> all = auditRecords();
        List<AuditRecord> added = all.subList(mark, all.size());
        org.assertj.core.api.Assertions.assertThat(added).as("audit events added (expected one: %s)", code).hasSize(1);
        AuditEvent e = added.get(0).event();
        org.assertj.core.api.Assertions.assertThat(e.decision()).isEqualTo("deny");
        org.assertj.core.api.Assertions.assertThat(e.reason()).as("reason").matches(Pattern.quote(code) + "(:.*)?");
        return e;
    }

    private void assertAudited(String requestId, String body) throws InterruptedException {
        org.assertj.core.api.Assertions.assertThat(requestId).as("the refusal carries a request id").isNotNull();
        Matcher m = Pattern.compile("\"code\":\"([a-z_]+)\"").matcher(body);
        org.assertj.core.api.Assertions.assertThat(m.find()).as("a problem+json code in " + body).isTrue();
        String code = m.group(1);
        // The event is recorded as the exchange completes, which may be just after the answer left:
        // wait for it (up to 5 s), then give a second copy, if there were one, the time to show.
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<AuditRecord> events;
        do {
            events = auditRecords().stream().filter(r -> requestId.equals(r.event().requestId())).toList();
            if (events.isEmpty()) {
                Thread.sleep(10);
            }
        } while (events.isEmpty() && System.nanoTime() < deadline);
        if (!events.isEmpty()) {
            Thread.sleep(50);
            events = auditRecords().stream().filter(r -> requestId.equals(r.event().requestId())).toList();
        }
        org.assertj.core.api.Assertions.assertThat(events).as("audit events of request %s (%s)", requestId, code).hasSize(1);
        AuditEvent e = events.get(0).event();
        org.assertj.core.api.Assertions.assertThat(e.decision()).isEqualTo("deny");
        org.assertj.core.api.Assertions.assertThat(e.reason()).as("reason").matches(Pattern.quote(code) + "(:.*)?");
        for (String k : keys.values()) {
            org.assertj.core.api.Assertions.assertThat(e.toString()).doesNotContain(k);
        }
    }

    /** The keyed hash of a key under this gateway's secret (what a store keeps). */
    public String hashText(String key) {
        return hasherForTests.hashText(key);
    }

    @Override
    public void close() throws Exception {
        if (sync != null) {
            sync.stop();
        }
        gateway.stop().await(10, TimeUnit.SECONDS);
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (store != null) {
            store.close();
        }
        vertx.close().await(10, TimeUnit.SECONDS);
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir: best effort
        }
    }
}
