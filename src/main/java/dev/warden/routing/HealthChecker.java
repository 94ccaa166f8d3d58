package dev.warden.routing;

import dev.warden.config.PoolConfig;
import dev.warden.config.Resilience;
import dev.warden.config.WardenConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks: for every pool with a {@code healthCheck}, {@code GET path} on each of its
 * upstreams every {@code intervalMs}; a 2xx within {@code timeoutMs} passes. The verdict (after the
 * configured runs of passes or failures) takes an upstream out of rotation or brings it back,
 * before any client request has to fail on it. Follows configuration reloads; one check per
 * upstream in flight at a time. Each replica checks for itself.
 */
public final class HealthChecker {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
    private static final long TICK_MS = 100;

    private final Vertx vertx;
    private final Supplier<WardenConfig> config;
    private final UpstreamRegistry registry;
    private final HttpClient client;
    private final Map<String, Long> lastRun = new ConcurrentHashMap<>();
    private final Set<UpstreamState> inFlight = ConcurrentHashMap.newKeySet();
    private long timer = -1;

    public HealthChecker(Vertx vertx, Supplier<WardenConfig> config, UpstreamRegistry registry) {
        this.vertx = vertx;
        this.config = config;
        this.registry = registry;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxHeaderSize(16 * 1024)
                .setDecompressionSupported(false));
    }

    public HealthChecker start() {
        timer = vertx.setPeriodic(TICK_MS, id -> tick());
        return this;
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        client.close();
    }

    private void tick() {
        long now = System.nanoTime();
        for (PoolConfig pool : config.get().pools().values()) {
            Resilience.HealthCheck check = pool.resilience().healthCheck();
            if (check == null) {
                continue;
            }
            Long last = lastRun.get(pool.name());
            if (last != null && now - last < check.intervalMs() * 1_000_000L) {
                continue;
            }
            lastRun.put(pool.name(), now);
            for (UpstreamState state : registry.states(pool)) {
                if (inFlight.add(state)) {
                    probe(state, check);
                }
            }
        }
    }

    private void probe(UpstreamState state, Resilience.HealthCheck check) {
        var u = state.upstream();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(u.host()).setPort(u.port()).setSsl(u.tls())
                .setURI(u.basePath() + check.path()).setFollowRedirects(false).setConnectTimeout(check.timeoutMs())
                .setIdleTimeout(check.timeoutMs());
        client.request(options)
                .compose(req -> req.send())
                .compose(res -> res.body().map(b -> res.statusCode()))
                .timeout(check.timeoutMs(), TimeUnit.MILLISECONDS)
                .onComplete(ar -> {
                    inFlight.remove(state);
                    boolean passed = ar.succeeded() && ar.result() >= 200 && ar.result() < 300;
                    if (state.checked(passed, check)) {
                        if (state.healthy()) {
                            LOG.info("upstream {} of pool {} passes its health check again: back in rotation", u.authority(), state.pool());
                        } else {
                            LOG.warn("upstream {} of pool {} fails its health check ({}): out of rotation", u.authority(), state.pool(),
                                    ar.succeeded() ? "status " + ar.result() : ar.cause().toString());
                        }
                    }
                });
    }
}
