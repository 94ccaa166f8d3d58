package dev.warden.app;

import dev.warden.crypto.KeyHasher;
import dev.warden.config.ListenerConfig;
import dev.warden.config.SnapshotHolder;
import dev.warden.http.ClientTrust;
import dev.warden.config.WardenConfig;
import dev.warden.http.DataPlaneHandler;
import dev.warden.http.DataPlaneServer;
import dev.warden.observe.GatewayMetrics;
import dev.warden.pipeline.PipelineRunner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;

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
    private final java.util.function.Supplier<String> renewalBase;
    private final dev.warden.admission.LimiterStore limiter;
    private final dev.warden.admission.FairQueues queues;
    private final dev.warden.routing.UpstreamRegistry upstreams;
    private final dev.warden.cache.ResponseCache cache;
    private final dev.warden.http.ConnectionCaps caps;
    private final dev.warden.observe.Tracing tracing;
    private final dev.warden.observe.AccessLog accessLog;
    private final dev.warden.token.ServiceTokens serviceTokens;
    private final dev.warden.identity.JwksCache.Shared jwks;
    private dev.warden.observe.AccessLog.Batch accessBatch;
    private HttpServer server;
    private String trusted = "";
    private HttpClient client;

    DataPlaneVerticle(SnapshotHolder snapshots, KeyHasher hasher, GatewayMetrics metrics, dev.warden.observe.Tracing tracing,
                      dev.warden.observe.AccessLog accessLog, dev.warden.token.ServiceTokens serviceTokens,
                      dev.warden.identity.JwksCache.Shared jwks, ListenerConfig listener, ControlPlane control,
                      java.util.function.Supplier<String> renewalBase, dev.warden.admission.LimiterStore limiter,
                      dev.warden.admission.FairQueues queues, dev.warden.routing.UpstreamRegistry upstreams,
                      dev.warden.cache.ResponseCache cache, dev.warden.http.ConnectionCaps caps) {
        this.caps = caps;
        this.upstreams = upstreams;
        this.cache = cache;
        this.renewalBase = renewalBase;
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
                serviceTokens, jwks, config, control, renewalBase, limiter, queues, upstreams, cache);
        io.vertx.core.http.HttpServerOptions options = DataPlaneServer.options(listener, config.limits(), config.timeouts());
        if (listener.tls() != null) {
            trusted = ClientTrust.bundles(snapshots.current());
            ClientTrust.apply(options, listener.tls(), trusted);
        }
        return DataPlaneServer.start(vertx, options,
                new DataPlaneHandler(snapshots, runner, metrics, control == null ? null : control.audit(),
                        new dev.warden.app.PlatformEndpoints(
                                new dev.warden.token.TokenExchange(vertx, snapshots, hasher, serviceTokens, control == null ? null : control.audit()),
                                new dev.warden.jobs.JobRenewal(vertx, snapshots, control == null ? null : control.jobs(), serviceTokens,
                                        control == null ? null : control.audit()))), caps, config.timeouts()).onSuccess(s -> {
                    server = s;
                    if (listener.tls() != null && listener.tls().clientAuth() != dev.warden.config.TlsConfig.ClientAuth.NONE) {
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
        return server.shutdown(drainMs, java.util.concurrent.TimeUnit.MILLISECONDS).eventually(() -> {
            accessBatch.flushIfDue(Long.MAX_VALUE); // this loop's last lines are written before the process stops
            return client.close();
        });
    }
}
