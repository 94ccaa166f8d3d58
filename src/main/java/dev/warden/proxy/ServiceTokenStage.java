package dev.warden.proxy;

import dev.warden.config.PoolConfig;
import dev.warden.config.Snapshot;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.token.ServiceTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * For pools that ask for them ({@code serviceTokens: true}), attaches a Warden-signed service
 * token to the exchange, which forwarding sends as the upstream's {@code Authorization}. A token
 * is reused for the same principal and pool while fresh, or (pools with
 * {@code serviceTokens: per-request}) signed for this request alone, naming it; signing happens
 * on a worker thread, never on the event loop.
 */
public final class ServiceTokenStage implements Stage {
    private final Vertx vertx;
    private final ServiceTokens tokens;

    public ServiceTokenStage(Vertx vertx, ServiceTokens tokens) {
        this.vertx = vertx;
        this.tokens = tokens;
    }

    @Override
    public String name() {
        return "service-token";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        if (route == null) {
            return Outcome.continueNow();
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        PoolConfig pool = snapshot.config().pools().get(route.model().pool());
        if (pool == null || !pool.serviceTokens()) {
            return Outcome.continueNow();
        }
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        String region = route.upstream().region();
        long now = System.currentTimeMillis();
        if (pool.perRequestTokens()) {
            String requestId = exchange.requestId();
            return vertx.executeBlocking(() -> tokens.mintForRequest(p.tenantId(), p.subject(), p.role().id(), region, pool.name(),
                    requestId, now), false).map(token -> {
                        exchange.put(RequestContext.SERVICE_TOKEN, token);
                        return (Outcome) Outcome.CONTINUE;
                    });
        }
        String key = ServiceTokens.cacheKey(p.tenantId(), p.subject(), p.role().id(), region, pool.name());
        String cached = tokens.cached(key, now);
        if (cached != null) {
            exchange.put(RequestContext.SERVICE_TOKEN, cached);
            return Outcome.continueNow(); // the common case, without a future's allocation
        }
        return tokens.forPrincipal(vertx, p.tenantId(), p.subject(), p.role().id(), region, pool.name())
                .map(token -> {
                    exchange.put(RequestContext.SERVICE_TOKEN, token);
                    return (Outcome) Outcome.CONTINUE;
                });
    }
}
