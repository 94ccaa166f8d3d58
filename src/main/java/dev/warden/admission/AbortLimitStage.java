package dev.warden.admission;

import dev.warden.config.Tenant;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * Bounds the requests a tenant's clients abandon ({@code limits.maxAbortsPerTenant} a minute, per
 * replica): counted when an exchange ends with its answer unfinished (the client reset the stream
 * or closed the connection), refused with 429 {@code client_aborts} and a {@code Retry-After} until
 * the minute is over. Placed right after authentication: the tenant is verified, and nothing
 * costlier (the body, admission's counters, an upstream) is spent on a refused request.
 */
public final class AbortLimitStage implements Stage {
    private final ClientAborts aborts;

    public AbortLimitStage(ClientAborts aborts) {
        this.aborts = aborts;
    }

    @Override
    public String name() {
        return "abort-limit";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Tenant tenant = exchange.get(RequestContext.TENANT);
        if (tenant == null || cap(exchange) == 0) {
            return Outcome.continueNow();
        }
        long now = System.currentTimeMillis();
        long until = aborts.refusedUntil(tenant.id(), now);
        if (until == 0) {
            return Outcome.continueNow();
        }
        exchange.addResponseHeader("Retry-After", Long.toString(Math.max(1, (until - now + 999) / 1000)));
        return Future.succeededFuture(Outcome.reject(GatewayError.of(ErrorCode.RATE_LIMITED,
                "Too many requests were abandoned by this tenant's clients; try again later.", "client_aborts")));
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        Tenant tenant = exchange.get(RequestContext.TENANT);
        int cap = cap(exchange);
        if (tenant != null && cap > 0 && exchange.clientGone()) {
            aborts.aborted(tenant.id(), cap, System.currentTimeMillis());
        }
    }

    private static int cap(Exchange exchange) {
        return exchange.require(RequestContext.SNAPSHOT).config().limits().maxAbortsPerTenant();
    }
}
