package dev.warden.app;

import dev.warden.admin.AdminApi;
import dev.warden.admin.AdminAuthenticator;
import dev.warden.admin.AdminToken;
import dev.warden.admission.BudgetBook;
import dev.warden.admission.CostEstimator;
import dev.warden.admission.FairQueues;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.SeatQueue;
import dev.warden.admission.TenantClients;
import dev.warden.admission.store.LocalLimiterStore;
import dev.warden.admission.store.RedisLimiterStore;
import dev.warden.cache.LocalResponseCache;
import dev.warden.cache.RedisResponseCache;
import dev.warden.cache.ResponseCache;
import dev.warden.config.AdminIdpConfig;
import dev.warden.config.ConfigWatcher;
import dev.warden.config.ListenerConfig;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.WardenConfig;
import dev.warden.crypto.KeyHasher;
import dev.warden.http.ConnectionCaps;
import dev.warden.jobs.JobBudget;
import dev.warden.jobs.JobScheduler;
import dev.warden.identity.JwksCache;
import dev.warden.identity.JwtVerifier;
import dev.warden.identity.TenantTokenVerifier;
import dev.warden.observe.AccessLog;
import dev.warden.observe.GatewayMetrics;
import dev.warden.observe.SecurityLog;
import dev.warden.observe.Tracing;
import dev.warden.objects.BatchRunner;
import dev.warden.objects.LocalObjectOwners;
import dev.warden.objects.ObjectRegistry;
import dev.warden.provider.UpstreamSecrets;
import dev.warden.routing.HealthChecker;
import dev.warden.routing.UpstreamRegistry;
import dev.warden.token.ServiceTokens;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the data plane (one verticle per event loop), the admin plane, and the
 * config watcher. Wiring only; every decision lives in the stages.
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Vertx vertx;
    private final SnapshotHolder snapshots;
    private final PrometheusMeterRegistry prometheus;
    private final List<String> deployments = new ArrayList<>();
    private final AtomicBoolean ready = new AtomicBoolean();
    private ConfigWatcher watcher;
    private HealthChecker healthChecker;
    private ResponseCache responseCache;
    private Tracing tracing;
    private final AccessLog accessLog = AccessLog.fromEnvironment();
    private final ServiceTokens serviceTokens = new ServiceTokens(SERVICE_TOKEN_ISSUER);
    /** The platform's keys for upstreams that take one: read at start, then every second and after each reload (a file rotates a key). */
    private final UpstreamSecrets upstreamSecrets = new UpstreamSecrets(System::getenv);
    /** Admission's local limiter store: one per process, shared by the event loops. */
    private final Limiter limiter = new Limiter();
    /** Each pool's fair queue over its seats, shared by the event loops. */
    private volatile FairQueues queues = new FairQueues();
    /** Tenants' key sets and unknown-kid cool-downs, shared by the event loops' caches. */
    private final JwksCache.Shared jwks = new JwksCache.Shared();
    /** The {@code iss} of Warden's service tokens. */
    public static final String SERVICE_TOKEN_ISSUER = "warden";
    /** The shared limiter store, when {@code limiter.store} is {@code redis} (closed on stop). */
    private RedisLimiterStore redisStore;
    private HttpServer admin;
    private HttpClient jobsClient;
    private JobScheduler jobScheduler;
    private long jobsTimer = -1;
    private BatchRunner batchRunner;
    private int dataPort;

    private Gateway(Vertx vertx, SnapshotHolder snapshots) {
        this.vertx = vertx;
        this.snapshots = snapshots;
        this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prometheus);
        new JvmGcMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        new JvmThreadMetrics().bindTo(prometheus);
        new ClassLoaderMetrics().bindTo(prometheus);
        new UptimeMetrics().bindTo(prometheus);
        new FileDescriptorMetrics().bindTo(prometheus);
        SecurityLog.useRegistry(prometheus);
    }

    /** Starts listeners on the snapshot's ports; {@code instances} data-plane event loops. */
    public static Future<Gateway> start(Vertx vertx, SnapshotHolder snapshots, KeyHasher hasher, AdminToken adminToken,
                                        int instances) {
        return start(vertx, snapshots, hasher, adminToken, instances, null);
    }

    /** With the control plane over a store (admin routes, audit, usage ledger); {@code control} may be null. */
    public static Future<Gateway> start(Vertx vertx, SnapshotHolder snapshots, KeyHasher hasher, AdminToken adminToken,
                                        int instances, ControlPlane control) {
        Gateway g = new Gateway(vertx, snapshots);
        return g.startAll(hasher, adminToken, Math.max(1, instances), control).map(v -> g);
    }

    private Future<Void> startAll(KeyHasher hasher, AdminToken adminToken, int instances, ControlPlane control) {
        WardenConfig config = snapshots.current().config();
        GatewayMetrics metrics = new GatewayMetrics(prometheus, config.maxTenantLabels());
        tracing = Tracing.of(config.telemetry());
        FunctionCounter.builder("warden_access_log_dropped", accessLog, a -> a.dropped())
                .description("Access lines dropped because stdout could not keep up").register(prometheus);
        if (control != null) {
            control.bindMetrics(prometheus, metrics::tenantLabel);
            control.livePools(this::liveSeats);
        }
        AdminAuthenticator adminAuth;
        try {
            adminAuth = adminAuthenticator(config, hasher, adminToken, control);
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        List<DataPlaneVerticle> loops = new CopyOnWriteArrayList<>();
        UpstreamRegistry upstreams = new UpstreamRegistry(metrics); // breakers, load, health
        upstreams.prime(config.pools().values());
        healthChecker = new HealthChecker(vertx, () -> snapshots.current().config(), upstreams).start();
        responseCache = config.cache().redis() ? new RedisResponseCache(vertx, config.cache())
                : new LocalResponseCache();
        ResponseCache cache = responseCache;
        ConnectionCaps caps = new ConnectionCaps(config.limits().maxConnections(),
                config.limits().maxConnectionsPerSource()); // one count for every event loop
        Gauge.builder("warden_connections_open", caps, c -> c.open())
                .description("Open data-plane connections").register(prometheus);
        FunctionCounter.builder("warden_connections_refused", caps, c -> c.refused())
                .description("Connections closed at once: past limits.maxConnections or maxConnectionsPerSource").register(prometheus);
        FunctionCounter.builder("warden_requests_too_slow", caps, c -> c.slow())
                .description("Requests whose head or body came too slowly (408, connection closed)").register(prometheus);
        config.pools().values().stream().filter(p -> p.capacity() != null).forEach(p -> {
            Gauge.builder("warden_pool_free_seats", this,
                            g -> g.queues.queues().containsKey(p.name()) ? g.queues.queues().get(p.name()).freeSeats() : p.capacity().seats())
                    .description("Seats of the pool free now").tag("pool", p.name()).register(prometheus);
            FunctionCounter.builder("warden_pool_queued", this,
                            g -> g.queues.queues().containsKey(p.name()) ? g.queues.queues().get(p.name()).queuedTotal() : 0)
                    .description("Requests that waited for a seat").tag("pool", p.name()).register(prometheus);
            FunctionCounter.builder("warden_pool_queue_timeouts", this,
                            g -> g.queues.queues().containsKey(p.name()) ? g.queues.queues().get(p.name()).timedOutTotal() : 0)
                    .description("Requests whose wait for a seat ran out").tag("pool", p.name()).register(prometheus);
        });
        Future<LimiterStore> store = limiterStore(config, control);
        Future<Void> encodings = store.compose(s -> vertx.executeBlocking(() -> {
            CostEstimator.warm(config.models().values()); // tokenizer tables read before the first request
            refreshSecrets();
            return null;
        }, false));
        vertx.setPeriodic(1000, t -> vertx.executeBlocking(() -> {
            refreshSecrets();
            return null;
        }, false));
        snapshots.onFileReload(r -> {
            if (r.accepted()) {
                refreshSecrets(); // on the reload's worker: a new pool's key is there before its first request
            }
        });
        // One deployment of N instances: Vert.x shares one listening socket between them (port 0
        // included), and gives each its own event loop.
        return encodings.compose(w -> {
            // jobs reserve their money on the same limiter store as requests
            jobScheduler = control == null ? null : jobScheduler(config, control, new LimiterJobBudget(store.result()));
            // who owns each stored object (responses): the control store's record, or this process's without one
            ObjectRegistry objects = new ObjectRegistry(control == null ? new LocalObjectOwners() : control.objects());
            TenantClients clients = new TenantClients(); // one count per tenant across this replica's event loops
            return vertx.deployVerticle(() -> {
                DataPlaneVerticle v = new DataPlaneVerticle(snapshots, hasher, metrics, tracing, accessLog, serviceTokens, jwks,
                        config.dataListener(), control, jobScheduler, store.result(), queues, upstreams, cache, caps, upstreamSecrets, objects, clients);
                loops.add(v);
                return v;
            }, new DeploymentOptions().setInstances(instances));
        }).compose(id -> {
            deployments.add(id);
            dataPort = loops.get(0).actualPort();
            for (DataPlaneVerticle v : loops) {
                if (v.actualPort() != dataPort) {
                    return Future.failedFuture("data-plane event loops bound different ports: " + dataPort + ", " + v.actualPort());
                }
            }
            if (control != null && config.dataListener().tls() == null) {
                // batches' lines go through this process's own data listener, on loopback
                String host = config.dataListener().host().equals("0.0.0.0") || config.dataListener().host().equals("::")
                        ? "127.0.0.1" : config.dataListener().host();
                batchRunner = new BatchRunner(control.batches(), control.files(), control.keyStore(), control.ring(),
                        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + dataPort, control::syncNow,
                        System::currentTimeMillis).start();
            }
            return Future.<Void>succeededFuture();
        }).compose(v -> {
            ListenerConfig a = config.adminListener();
            HttpServerOptions adminOptions = new HttpServerOptions().setHost(a.host()).setPort(a.port())
                    .setMaxHeaderSize(16 * 1024).setHttp2ClearTextEnabled(false);
            if (a.tls() != null) { // HTTPS only on this port: a plain request is not answered
                adminOptions.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                        .setCertPath(a.tls().certFile().toString()).setKeyPath(a.tls().keyFile().toString()));
            }
            return vertx.createHttpServer(adminOptions)
                    .requestHandler(new AdminApi(snapshots, prometheus, ready::get, adminAuth, control == null ? null : control.admin(),
                            () -> serviceTokens.publicKeys().toString()))
                    .listen();
        }).map(server -> {
            admin = server;
            watcher = new ConfigWatcher(vertx, snapshots);
            watcher.start(config.watchIntervalMs());
            ready.set(true);
            LOG.info("warden ready: data {}://{}:{} admin {}://{}:{} ({} event loops, config version {})",
                    config.dataListener().tls() == null ? "http" : "https", config.dataListener().host(), dataPort,
                    config.adminListener().tls() == null ? "http" : "https", config.adminListener().host(), server.actualPort(),
                    instances, snapshots.current().version());
            return null;
        });
    }

    /**
     * Admission's limiter store: this process's, or the one shared through Redis
     * ({@code limiter.store: redis}), with its metrics.
     */
    /** Per pool with seats: {seats held, requests waiting}, as this replica sees them now. */
    private Map<String, long[]> liveSeats() {
        Map<String, long[]> out = new HashMap<>();
        snapshots.current().config().pools().values().stream().filter(p -> p.capacity() != null).forEach(p -> {
            SeatQueue q = queues.queues().get(p.name());
            out.put(p.name(), q == null ? new long[2] : new long[] {Math.max(0, p.capacity().seats() - q.freeSeats()), q.waitingNow()});
        });
        return out;
    }

    /** Starts queued jobs for every event loop: one scheduler, its own client to the job services. */
    private JobScheduler jobScheduler(WardenConfig config, ControlPlane control, JobBudget budget) {
        jobsClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout(config.timeouts().connectMs()).setDecompressionSupported(false));
        JobScheduler scheduler = new JobScheduler(vertx, control.jobs(), jobsClient, Math.min(30_000, config.timeouts().firstByteMs()),
                snapshots, serviceTokens, control.audit(), budget, control::jobStop,
                () -> snapshots.current().config().jobs().renewalBase(config.dataListener(), dataPort));
        jobsTimer = scheduler.every(1000);
        return scheduler;
    }

    private Future<LimiterStore> limiterStore(WardenConfig config, ControlPlane control) {
        BudgetBook budgets = control == null ? null : control.budgets();
        if (!config.limiter().redisStore()) {
            vertx.setPeriodic(10_000, id -> limiter.sweep(System.nanoTime())); // idle buckets forgotten: bounded memory
            return Future.succeededFuture(admissionRefusals(new LocalLimiterStore(limiter, budgets)));
        }
        return RedisLimiterStore.start(vertx, config.limiter(), budgets).map(redis -> {
            redisStore = redis;
            queues = new FairQueues(redis::seats); // pools' seats and fair turns shared too
            vertx.setPeriodic(10_000, id -> redis.sweep(System.nanoTime()));
            Gauge.builder("warden_limiter_store_up", redis, r -> r.up() ? 1 : 0)
                    .description("1 while the shared (redis) limiter store answers, 0 while admission decides on this replica's share")
                    .register(prometheus);
            Gauge.builder("warden_limiter_store_replicas", redis, r -> r.replicas())
                    .description("Replicas alive per the shared limiter store (each one's share while it is down)").register(prometheus);
            for (String op : List.of("admit", "lease", "seats", "settle", "renew", "heartbeat", "read", "load", "probe", "debit")) {
                FunctionCounter.builder("warden_limiter_store_round_trips", redis,
                                r -> { var n = r.roundTrips().get(op); return n == null ? 0 : n.sum(); })
                        .description("Round trips to the shared limiter store, by operation (a settle or renew batch is one)")
                        .tag("op", op).register(prometheus);
            }
            FunctionCounter.builder("warden_limiter_store_admissions", redis, r -> r.admissionsSent())
                    .description("Admissions decided by the shared limiter store; over round_trips{op=\"admit\"}, admissions per round trip")
                    .register(prometheus);
            FunctionCounter.builder("warden_limiter_store_lease_admissions", redis, r -> r.leaseAdmissions())
                    .description("Admissions decided on this replica's leases (slices of the limits taken from Redis ahead of need)")
                    .register(prometheus);
            FunctionCounter.builder("warden_limiter_store_fallback_admissions", redis,
                    r -> r.fallbackAdmissions()).description("Admissions decided on this replica alone because Redis was unreachable")
                    .register(prometheus);
            FunctionCounter.builder("warden_limiter_store_errors", redis, r -> r.errors())
                    .description("Failed or timed-out calls to the shared limiter store").register(prometheus);
            Gauge.builder("warden_limiter_settlements_pending", redis, r -> r.pendingSettlements())
                    .description("Settlements waiting to be sent to the shared limiter store").register(prometheus);
            FunctionCounter.builder("warden_limiter_settlements_dropped", redis, r -> r.droppedSettlements())
                    .description("Settlements dropped because too many were waiting (their holds expire instead)").register(prometheus);
            return admissionRefusals(redis);
        });
    }

    /** {@code warden_admission_refusals_total{code, mode}} from the limiter store's tally. */
    private LimiterStore admissionRefusals(LimiterStore store) {
        for (String code : List.of("rate_limited", "concurrency_limited", "budget_exhausted", "quota_exhausted", "limiter_unavailable")) {
            for (String mode : List.of("enforced", "shadow")) {
                FunctionCounter.builder("warden_admission_refusals", store, s -> s.refusals(code, mode))
                        .description("Requests admission refused (enforced) or would have refused (shadow mode)")
                        .tag("code", code).tag("mode", mode).register(prometheus);
            }
        }
        return store;
    }

    private AdminAuthenticator adminAuthenticator(WardenConfig config, KeyHasher hasher, AdminToken adminToken, ControlPlane control)
            throws IOException {
        AdminIdpConfig idp = config.adminIdp();
        JwtVerifier jwt = null;
        if (idp != null) {
            var keys = idp.jwksUrl() != null ? JwtVerifier.remoteKeys(idp.jwksUrl()) : JwtVerifier.fileKeys(idp.jwksFile());
            jwt = JwtVerifier.create(idp.issuer(), idp.audiences(), keys, idp.algorithms(), idp.clockSkewSeconds(),
                    idp.maxLifetimeSeconds(), null, idp.rolesClaim());
        }
        // tenants' own IdPs sign in tenant admins too; keys shared with the data plane's caches, fetched on the admin loop
        TenantTokenVerifier tenantTokens = new TenantTokenVerifier(
                new JwksCache(vertx, System::currentTimeMillis, jwks, config.egress()));
        return new AdminAuthenticator(vertx, adminToken, snapshots, hasher, control == null ? null : control.state(), jwt,
                idp == null ? null : idp.issuer(), idp == null ? "roles" : idp.rolesClaim(), control == null ? null : control.audit(),
                tenantTokens);
    }

    public int dataPort() {
        return dataPort;
    }

    public int adminPort() {
        return admin.actualPort();
    }

    public SnapshotHolder snapshots() {
        return snapshots;
    }

    /** Warden's service-token signer (tests rotate it). */
    /** Reads the secrets the current config's upstream credentials name (blocking: a worker thread). */
    private void refreshSecrets() {
        upstreamSecrets.refresh(UpstreamSecrets.refsOf(snapshots.current().config().pools().values()));
    }

    public ServiceTokens serviceTokens() {
        return serviceTokens;
    }

    /** The access log (tests tap it). */
    public AccessLog accessLog() {
        return accessLog;
    }

    public PrometheusMeterRegistry registry() {
        return prometheus;
    }

    public Future<Void> stop() {
        if (batchRunner != null) {
            batchRunner.close(); // a batch in progress resumes, here or on another replica, from its last flush
        }
        ready.set(false);
        if (watcher != null) {
            watcher.stop();
        }
        if (healthChecker != null) {
            healthChecker.stop();
        }
        // /readyz says 503 from now; the listeners keep accepting for timeouts.shutdownDelayMs, so
        // load balancers stop sending before anything is refused. Then the data plane first: it
        // drains requests in flight (timeouts.drainMs) while /metrics still answers; then the admin listener
        int delayMs = snapshots.current().config().timeouts().shutdownDelayMs();
        Promise<Void> delayed = Promise.promise();
        if (delayMs > 0) {
            LOG.info("stopping: /readyz answers 503; still accepting for {} ms (timeouts.shutdownDelayMs)", delayMs);
            vertx.setTimer(delayMs, t -> delayed.complete());
        } else {
            delayed.complete();
        }
        Future<Void> chain = delayed.future();
        for (String id : deployments) {
            chain = chain.eventually(() -> vertx.undeploy(id));
        }
        if (admin != null) {
            chain = chain.eventually(() -> admin.close());
        }
        if (jobsClient != null) {
            vertx.cancelTimer(jobsTimer);
            chain = chain.eventually(() -> jobsClient.close());
        }
        if (redisStore != null) {
            chain = chain.eventually(() -> redisStore.close());
        }
        if (responseCache != null) {
            chain = chain.eventually(() -> responseCache.close());
        }
        return chain.eventually(() -> {
            accessLog.close();
            if (tracing != null) {
                return vertx.executeBlocking(() -> {
                    tracing.close(); // exports the spans still queued
                    return null;
                }, false).mapEmpty();
            }
            return Future.succeededFuture();
        });
    }
}
