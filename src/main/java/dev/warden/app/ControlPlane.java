package dev.warden.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminResources;
import dev.warden.admission.BudgetBook;
import dev.warden.config.AlertSettings;
import dev.warden.config.JobLimits;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.crypto.KeyHasher;
import dev.warden.identity.KeyUsage;
import dev.warden.jobs.JobRegistry;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.record.LedgerWriter;
import dev.warden.record.PayloadWriter;
import dev.warden.crypto.Envelope;
import dev.warden.crypto.KeyRing;
import dev.warden.crypto.SecretFiles;
import dev.warden.spend.AlertMonitor;
import dev.warden.spend.BudgetMetrics;
import dev.warden.spend.GpuHoursWatch;
import dev.warden.spend.PoolWatch;
import dev.warden.spend.WebhookSink;
import dev.warden.store.ConnectionPoolState;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreException;
import dev.warden.store.StoreState;
import dev.warden.store.StoreSync;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What the gateway gets from the control store: the admin API's resources, the audit writer, the
 * usage ledger writer, and the alert monitor (spend against budgets, forecasts, webhooks). Absent
 * (null) when Warden runs without a store.
 */
public final class ControlPlane implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ControlPlane.class);
    /** Audit queue: events wait here for the writer; past (queue - reserve) new requests are refused. */
    public static final int AUDIT_QUEUE = 50_000;
    public static final int AUDIT_RESERVE = 5_000;
    /** Usage ledger queue, same rule. */
    public static final int USAGE_QUEUE = 100_000;
    public static final int USAGE_RESERVE = 10_000;
    /** Payload log queue, same rule (small: each entry holds up to two payloads of 64 KiB). */
    public static final int PAYLOAD_QUEUE = 1_000;
    public static final int PAYLOAD_RESERVE = 100;

    private final Vertx vertx;
    private final AdminResources admin;
    private final AuditWriter audit;
    private final LedgerWriter ledger;
    private final AlertMonitor alerts;
    private final WebhookSink webhooks;
    private final StoreState state;
    private volatile BudgetMetrics budgetMetrics;
    private final KeyUsage keyUsage = new KeyUsage();
    private final ControlStore store;
    private JobRegistry jobs;
    private PayloadWriter payloads;
    private Envelope ring;
    private StoreSync sync;
    private PoolWatch pools;
    private BudgetBook budgets;
    private long alertTimer = -1;
    private long keyUsageTimer = -1;

    private ControlPlane(Vertx vertx, ControlStore store, AdminResources admin, AuditWriter audit, LedgerWriter ledger,
                         AlertMonitor alerts, WebhookSink webhooks, StoreState state) {
        this.vertx = vertx;
        this.store = store;
        this.admin = admin;
        this.audit = audit;
        this.ledger = ledger;
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.state = state;
    }

    /**
     * Starts the writers over {@code store}: the key ring is the process's ({@link KeyRing}), the audit
     * secret {@code dataDir/audit.secret}, sealed with it.
     */
    public static ControlPlane start(Vertx vertx, ControlStore store, StoreSync sync, SnapshotHolder snapshots,
                                     KeyHasher hasher, Path dataDir) throws IOException {
        Envelope ring = KeyRing.load(System::getenv, dataDir);
        return start(vertx, store, sync, snapshots, hasher, new AuditChain(SecretFiles.read(dataDir.resolve("audit.secret"), ring)),
                AUDIT_QUEUE, AUDIT_RESERVE, ring);
    }

    /** With an explicit audit chain and audit queue size (tests of back-pressure), and a fresh key ring of its own. */
    public static ControlPlane start(Vertx vertx, ControlStore store, StoreSync sync, SnapshotHolder snapshots, KeyHasher hasher,
                                     AuditChain chain, int auditQueue, int auditReserve) {
        try {
            return start(vertx, store, sync, snapshots, hasher, chain, auditQueue, auditReserve,
                    KeyRing.parse(KeyRing.newKeyLine("run-1"), "a fresh ring"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** With an explicit audit chain, audit queue size and key ring. */
    public static ControlPlane start(Vertx vertx, ControlStore store, StoreSync sync, SnapshotHolder snapshots, KeyHasher hasher,
                                     AuditChain chain, int auditQueue, int auditReserve, Envelope ring) {
        AlertSettings settings = snapshots.current().config().alerts();
        AuditWriter audit = new AuditWriter(store.audit(), chain, auditQueue, auditReserve).start();
        LedgerWriter ledger = new LedgerWriter(store.ledger(), USAGE_QUEUE, USAGE_RESERVE).start();
        WebhookSink webhooks = new WebhookSink(vertx, settings.webhooks());
        StoreState state = sync.state();
        BudgetBook budgets = new BudgetBook(vertx, store.ledger(), ledger,
                tenant -> state.setting(tenant, "budgets"));
        AlertMonitor monitor = new AlertMonitor(store.ledger(), store.audit(), () -> state.settingsOfKind("budgets"),
                new AlertMonitor.AnomalyRule(settings.anomalyFactor(), settings.anomalyMinMicros(), settings.anomalyMinRefusals(),
                        settings.anomalyMinSecurityEvents()), webhooks, System::currentTimeMillis,
                (tenant, period) -> budgets.reservedMicros(tenant, period, System.currentTimeMillis()));
        AdminResources admin = new AdminResources(vertx, store, sync, snapshots, hasher, audit, chain, monitor,
                (tenant, period) -> budgets.reservedMicros(tenant, period, System.currentTimeMillis()), ring);
        ControlPlane cp = new ControlPlane(vertx, store, admin, audit, ledger, monitor, webhooks, state);
        cp.payloads = new PayloadWriter(store.payloads(), ring, PAYLOAD_QUEUE, PAYLOAD_RESERVE).start();
        cp.ring = ring;
        cp.sync = sync;
        vertx.setPeriodic(60_000, id -> vertx.executeBlocking(() -> store.payloads().deleteExpired(System.currentTimeMillis()), false)
                .onFailure(e -> LOG.warn("payload retention sweep failed: {}", e.getMessage())));
        cp.jobs = new JobRegistry(vertx, store.jobs(), hasher, ledger);
        cp.budgets = budgets;
        monitor.watchGpuHours(new GpuHoursWatch(store.ledger(), () -> gpuQuotas(snapshots.current()), store.jobs()::outstandingGpuMs));
        cp.pools = new PoolWatch(store.ledger(), () -> poolCapacities(snapshots.current()), () -> poolOfModel(snapshots.current()),
                store.jobs()::poolLoad);
        monitor.watchPools(cp.pools);
        budgets.commitmentsFrom(store.jobs()::outstandingMicros); // a new money account counts what running jobs hold
        vertx.setPeriodic(60_000, id -> cp.budgets.sweep(System.currentTimeMillis()));
        cp.alertTimer = vertx.setPeriodic(1000, settings.intervalMs(), id -> cp.evaluateAlerts());
        cp.keyUsageTimer = vertx.setPeriodic(KEY_USAGE_FLUSH_MS, id -> cp.flushKeyUsage());
        snapshots.onFileReload(r -> audit.record(configReload(r)));
        return cp;
    }

    /** The pools' forecasts read the seats held and requests waiting now (per pool: {in use, waiting}) here. */
    public void livePools(Supplier<Map<String, long[]>> live) {
        pools.liveFrom(live);
    }

    /**
     * Why a tenant's jobs must stop (null: they may go on), as of the last alert cycle: its spend
     * has reached an enforced hard budget, or its jobs' GPU time a quota of its tier (only possible
     * when a limit was lowered while they ran: jobs reserve their worst case when admitted).
     */
    public String jobStop(String tenant) {
        for (var s : alerts.gpuHourStatuses().getOrDefault(tenant, List.of())) {
            if (s.usedGpuMs() >= s.limitGpuMs()) {
                return "gpu_hours_exhausted";
            }
        }
        for (var b : alerts.statuses().getOrDefault(tenant, List.of())) {
            if (b.budget().hard() && b.budget().enforced() && b.exhausted()) {
                return "budget_exhausted";
            }
        }
        return null;
    }

    /** Every pool's seats and job GPUs (0: none declared). */
    private static Map<String, PoolWatch.Capacity> poolCapacities(Snapshot snapshot) {
        Map<String, PoolWatch.Capacity> out = new HashMap<>();
        snapshot.config().pools().forEach((name, p) -> out.put(name, new PoolWatch.Capacity(p.capacity() == null ? 0 : p.capacity().seats(),
                p.jobCapacity() == null ? 0 : p.jobCapacity().gpus())));
        return out;
    }

    private static Map<String, String> poolOfModel(Snapshot snapshot) {
        Map<String, String> out = new HashMap<>();
        snapshot.config().models().forEach((name, m) -> out.put(name, m.pool()));
        return out;
    }

    /** The tenants whose tier has a GPU-hour quota, with their tier's job limits. */
    private static Map<String, JobLimits> gpuQuotas(Snapshot snapshot) {
        Map<String, JobLimits> out = new HashMap<>();
        snapshot.tenants().forEach((id, t) -> {
            JobLimits l = t.tier() == null ? JobLimits.NONE : t.tier().jobs();
            if (l.gpuMsPerDay() > 0 || l.gpuMsPerMonth() > 0) {
                out.put(id, l);
            }
        });
        return out;
    }

    /** A config file change as an audit event: taken (allow) or refused (deny), with the content's digest. */
    static AuditEvent configReload(SnapshotHolder.FileReload r) {
        ObjectNode detail = new ObjectMapper().createObjectNode()
                .put("version", r.version()).put("sha256", r.sha256()).put("errors", r.errors().size());
        return new AuditEvent(System.currentTimeMillis(), null, "config-file", "config.reload",
                r.accepted() ? "allow" : "deny", r.accepted() ? "ok" : "invalid_config", null, null, detail.toString());
    }

    /** How often keys' last use is written to the store. */
    static final long KEY_USAGE_FLUSH_MS = 30_000;

    /** Keys' last use, recorded by the authenticator. */
    public KeyUsage keyUsage() {
        return keyUsage;
    }

    /** Writes keys' last use now, off the event loop (a failed write is retried with the next flush). */
    public Future<Void> flushKeyUsage() {
        Map<String, Long> batch = keyUsage.drain();
        if (batch.isEmpty()) {
            return Future.succeededFuture();
        }
        try {
            return vertx.executeBlocking(() -> {
                try {
                    store.keys().touch(batch);
                } catch (StoreException e) {
                    keyUsage.retry(batch); // kept for the next flush
                }
                return null;
            }, false);
        } catch (RejectedExecutionException shuttingDown) {
            return Future.succeededFuture();
        }
    }

    /** One alert cycle now, off the event loop; the budget gauges follow. */
    public Future<Void> evaluateAlerts() {
        try {
            return vertx.executeBlocking(() -> {
                alerts.evaluate();
                BudgetMetrics m = budgetMetrics;
                if (m != null) {
                    m.publish(alerts.statuses(), alerts.active(), System.currentTimeMillis());
                    m.publishGpuHours(alerts.gpuHourStatuses(), System.currentTimeMillis());
                    m.publishPools(alerts.poolStatuses(), System.currentTimeMillis());
                }
                return null;
            }, false);
        } catch (RejectedExecutionException shuttingDown) {
            return Future.succeededFuture();
        }
    }

    /** Registers this control plane's meters (queues, webhooks, budgets) once the registry exists. */
    public void bindMetrics(MeterRegistry registry, UnaryOperator<String> tenantLabel) {
        audit.bindMetrics(registry);
        ledger.bindMetrics(registry);
        payloads.bindMetrics(registry);
        webhooks.bindMetrics(registry);
        budgetMetrics = new BudgetMetrics(registry, tenantLabel);
        if (store.connectionPool() != null) {
            for (String state : new String[] {"active", "idle", "max", "waiting"}) {
                Gauge.builder("warden_store_connections", store, s -> poolValue(s.connectionPool(), state)).tag("state", state)
                        .description("The control store's connection pool: in use (active), idle, its size (max), threads waiting (waiting)")
                        .register(registry);
            }
        }
    }

    private static double poolValue(ConnectionPoolState pool, String state) {
        if (pool == null) {
            return Double.NaN;
        }
        return switch (state) {
            case "active" -> pool.active();
            case "idle" -> pool.idle();
            case "max" -> pool.max();
            default -> pool.waiting();
        };
    }

    public AdminResources admin() {
        return admin;
    }

    /** Hard budgets enforced at admission (reserve, settle), shared by every event loop. */
    public BudgetBook budgets() {
        return budgets;
    }

    /** Long-running jobs, shared by every event loop. */
    public JobRegistry jobs() {
        return jobs;
    }

    public AuditWriter audit() {
        return audit;
    }

    public LedgerWriter ledger() {
        return ledger;
    }

    public AlertMonitor alerts() {
        return alerts;
    }

    /** How many days a tenant's payloads are kept, or 0 when it did not opt in to payload logging (its {@code logging} settings). */
    public long payloadRetentionDays(String tenant) {
        String logging = state.setting(tenant, "logging");
        if (logging == null) {
            return 0;
        }
        Retention r = retention.get(tenant);
        if (r == null || !r.json().equals(logging)) { // read once per change of the settings, not per request
            r = new Retention(logging, Retention.days(logging));
            retention.put(tenant, r);
        }
        return r.days();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper RETENTION_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A tenant's {@code logging} settings as last read, and the retention they give. */
    private record Retention(String json, long days) {
        static long days(String json) {
            try {
                var n = RETENTION_JSON.readTree(json);
                return n.path("payloads").asBoolean(false)
                        ? n.path("retentionDays").asLong(dev.warden.config.TenantSettings.DEFAULT_RETENTION_DAYS) : 0;
            } catch (java.io.IOException e) {
                return 0; // stored normalised by the admin API: not reached
            }
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Retention> retention = new java.util.concurrent.ConcurrentHashMap<>();

    /** Operator keys and role bindings, kept current by the store sync. */
    public StoreState state() {
        return state;
    }

    /** Writes what is queued, then stops the writers: a graceful stop loses no audit event nor usage row. */
    @Override
    public void close() {
        if (alertTimer >= 0) {
            vertx.cancelTimer(alertTimer);
        }
        if (keyUsageTimer >= 0) {
            vertx.cancelTimer(keyUsageTimer);
        }
        try {
            store.keys().touch(keyUsage.drain()); // last use is not lost at a graceful stop
        } catch (StoreException e) {
            // the store is gone; last-use times are advisory
        }
        webhooks.close();
        audit.close();
        ledger.close();
        payloads.close();
    }

    /** The key ring every sealed value of this process is sealed with. */
    public Envelope ring() {
        return ring;
    }

    /** The tenants' batches (the control store's). */
    public dev.warden.store.BatchStore batches() {
        return store.batches();
    }

    /** The control store's keys (batches issue and revoke their own). */
    public dev.warden.store.KeyStore keyStore() {
        return store.keys();
    }

    /** Reads the control store now, so a key just issued is usable at once. */
    public void syncNow() {
        sync.syncNow();
    }

    /** The tenants' files (the control store's). */
    public dev.warden.store.FileStore files() {
        return store.files();
    }

    /** Who owns each stored object (the control store's record). */
    public dev.warden.store.ObjectOwners objects() {
        return store.objects();
    }

    /** The payload log's writer (tenants that opted in). */
    public PayloadWriter payloads() {
        return payloads;
    }
}
