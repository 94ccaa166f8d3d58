package dev.warden.app;

import dev.warden.admission.FairQueues;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.TenantClients;
import dev.warden.cache.ResponseCache;
import dev.warden.config.ListenerConfig;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.TlsConfig;
import dev.warden.config.WardenConfig;
import dev.warden.crypto.KeyHasher;
import dev.warden.http.ClientTrust;
import dev.warden.http.ConnectionCaps;
import dev.warden.http.DataPlaneHandler;
import dev.warden.http.DataPlaneServer;
import dev.warden.identity.JwksCache;
import dev.warden.jobs.JobRenewal;
import dev.warden.jobs.JobScheduler;
import dev.warden.observe.AccessLog;
import dev.warden.observe.GatewayMetrics;
import dev.warden.observe.Tracing;
import dev.warden.pipeline.PipelineRunner;
import dev.warden.objects.ObjectRegistry;
import dev.warden.provider.UpstreamSecrets;
import dev.warden.routing.UpstreamRegistry;
import dev.warden.token.ServiceTokens;
import dev.warden.token.TokenExchange;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * One data-plane event loop: its own listener (sharing the port), its own upstream connection
 * pool and its own pipeline, so a request never hops threads on its way through.
 */
final class DataPlaneVerticle extends VerticleBase {
    private final SnapshotHolder snapshots;
    private final KeyHasher hasher;
    private final GatewayMetrics metrics;
    private final ListenerConfig listener;
    private final ControlPlane control;
    private final JobScheduler jobs;
    private final LimiterStore limiter;
    private final FairQueues queues;
    private final UpstreamRegistry upstreams;
    private final ResponseCache cache;
    private final ConnectionCaps caps;
    private final Tracing tracing;
    private final AccessLog accessLog;
    private final ServiceTokens serviceTokens;
    private final JwksCache.Shared jwks;
    private final UpstreamSecrets secrets;
    private final ObjectRegistry objects;
    private final TenantClients clients;
    private AccessLog.Batch accessBatch;
    private HttpServer server;
    private String trusted = "";
    private HttpClient client;

    DataPlaneVerticle(SnapshotHolder snapshots, KeyHasher hasher, GatewayMetrics metrics, Tracing tracing,
                      AccessLog accessLog, ServiceTokens serviceTokens,
                      JwksCache.Shared jwks, ListenerConfig listener, ControlPlane control,
                      JobScheduler jobs, LimiterStore limiter,
                      FairQueues queues, UpstreamRegistry upstreams,
                      ResponseCache cache, ConnectionCaps caps, UpstreamSecrets secrets, ObjectRegistry objects,
                      TenantClients clients) {
        this.objects = objects;
        this.clients = clients;
        this.caps = caps;
        this.secrets = secrets;
        this.upstreams = upstreams;
        this.cache = cache;
        this.jobs = jobs;
        this.limiter = limiter;
        this.queues = queues;
        this.jwks = jwks;
        this.serviceTokens = serviceTokens;
        this.control = control;
        this.accessLog = accessLog;
        this.tracing = tracing;
        this.snapshots = snapshots;
        this.hasher = hasher;
        this.metrics = metrics;
        this.listener = listener;
    }

    @Override
    public Future<?> start() {
        WardenConfig config = snapshots.current().config();
        client = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setConnectTimeout(config.timeouts().connectMs())
                        .setMaxHeaderSize(64 * 1024)
                        .setDecompressionSupported(false))
                .with(new PoolOptions().setHttp1MaxSize(512).setMaxWaitQueueSize(10_000))
                .build();
        accessBatch = accessLog.newBatch();
        vertx.setPeriodic(100, id -> accessBatch.flushIfDue(System.currentTimeMillis())); // this loop's batch, on this loop
        PipelineRunner runner = Pipelines.dataPlane(vertx, client, hasher, metrics, tracing, accessBatch, accessLog,
                serviceTokens, jwks, config, control, jobs, limiter, queues, upstreams, cache, secrets, objects, clients);
        HttpServerOptions options = DataPlaneServer.options(listener, config.limits(), config.timeouts());
        if (listener.tls() != null) {
            trusted = ClientTrust.bundles(snapshots.current());
            ClientTrust.apply(options, listener.tls(), trusted);
        }
        return DataPlaneServer.start(vertx, options,
                new DataPlaneHandler(snapshots, runner, metrics, control == null ? null : control.audit(),
                        new PlatformEndpoints(
                                new TokenExchange(vertx, snapshots, hasher, serviceTokens, control == null ? null : control.audit()),
                                new JobRenewal(vertx, snapshots, control == null ? null : control.jobs(), jobs, serviceTokens,
                                        control == null ? null : control.audit()))), caps, config.timeouts()).onSuccess(s -> {
                    server = s;
                    if (listener.tls() != null && listener.tls().clientAuth() != TlsConfig.ClientAuth.NONE) {
                        vertx.setPeriodic(1000, id -> refreshTrust()); // a tenant's new CA bundle is trusted within a second
                    }
                });
    }

    /** Follows the tenants' CA bundles: new connections use the new trust. */
    private void refreshTrust() {
        String now = ClientTrust.bundles(snapshots.current());
        if (!now.equals(trusted)) {
            trusted = now;
            server.updateSSLOptions(ClientTrust.options(listener.tls(), now));
        }
    }

    int actualPort() {
        return server.actualPort();
    }

    /**
     * A graceful stop: the listener closes at once (no new connection), idle connections close,
     * and requests in flight run to their end (their usage settled and recorded) for up to
     * {@code timeouts.drainMs}; then whatever is left is cut.
     */
    @Override
    public Future<?> stop() {
        long drainMs = snapshots.current().config().timeouts().drainMs();
        return server.shutdown(drainMs, TimeUnit.MILLISECONDS).eventually(() -> {
            accessBatch.flushIfDue(Long.MAX_VALUE); // this loop's last lines are written before the process stops
            return client.close();
        });
    }
}
