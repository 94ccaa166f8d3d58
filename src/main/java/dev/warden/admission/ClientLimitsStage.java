package dev.warden.admission;

import dev.warden.config.Limits;
import dev.warden.config.Tenant;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * Bounds what one tenant's clients hold and abandon on this replica, across all their connections
 * (per connection, HTTP/2's stream and reset limits already apply): at most
 * {@code limits.maxInFlightPerTenant} requests in flight (429 {@code concurrency_limited}, reason
 * {@code tenant_in_flight}), and past {@code limits.maxAbortsPerTenant} requests abandoned in a
 * minute (an exchange its client left: {@link Exchange#clientGone()}) refused until the minute is
 * over (429 {@code rate_limited}, reason {@code client_aborts}, with {@code Retry-After}). Placed
 * right after authentication: the tenant is verified, and nothing costlier (the body, admission's
 * counters, an upstream) is spent on a refused request. Tiers' own concurrency limits, cluster-wide,
 * are admission's.
 */
public final class ClientLimitsStage implements Stage {
    /** Whether this exchange took a place in flight (so that it gives it back once). */
    private static final Key<TenantClients.Clients> COUNTED = Key.of("tenantInFlight");

    private final TenantClients clients;

    public ClientLimitsStage(TenantClients clients) {
        this.clients = clients;
    }

    @Override
    public String name() {
        return "client-limits";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Tenant tenant = exchange.get(RequestContext.TENANT);
        if (tenant == null) {
            return Outcome.continueNow();
        }
        Limits limits = exchange.require(RequestContext.SNAPSHOT).config().limits();
        TenantClients.Clients c = clients.of(tenant.id());
        long until = limits.maxAbortsPerTenant() == 0 ? 0 : c.refusedUntil();
        long now = until == 0 ? 0 : System.currentTimeMillis();
        if (now < until) {
            exchange.addResponseHeader("Retry-After", Long.toString(Math.max(1, (until - now + 999) / 1000)));
            return Future.succeededFuture(Outcome.reject(GatewayError.of(ErrorCode.RATE_LIMITED,
                    "Too many requests were abandoned by this tenant's clients; try again later.", "client_aborts")));
        }
        if (!c.enter(limits.maxInFlightPerTenant())) {
            return Future.succeededFuture(Outcome.reject(GatewayError.of(ErrorCode.CONCURRENCY_LIMITED,
                    "Too many requests of this tenant are in flight on this gateway.", "tenant_in_flight")));
        }
        exchange.put(COUNTED, c);
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        TenantClients.Clients c = exchange.get(COUNTED);
        if (c == null) {
            return;
        }
        c.leave();
        int cap = exchange.require(RequestContext.SNAPSHOT).config().limits().maxAbortsPerTenant();
        if (cap > 0 && exchange.clientGone()) {
            c.aborted(cap, System.currentTimeMillis());
        }
    }
}
