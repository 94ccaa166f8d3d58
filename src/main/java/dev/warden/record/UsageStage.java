package dev.warden.record;

import dev.warden.exchange.Metered;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.exchange.UpstreamTry;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.List;
import java.util.Locale;

/**
 * The usage ledger on the data plane: refuses new requests while the ledger writer is saturated
 * (no request is served whose usage could not be recorded), and writes one row for every request
 * that reached an upstream, with the tokens the upstream reported, their compute units and cost
 * (the reckoning admission settles with: {@link Metered}), and one for
 * each upstream call before it that did not become the answer (a 429, a 5xx, a failover: no
 * tokens, the status it got).
 */
public final class UsageStage implements Stage {
    private final LedgerWriter ledger;

    public UsageStage(LedgerWriter ledger) {
        this.ledger = ledger;
    }

    @Override
    public String name() {
        return "usage";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        if (ledger.saturated()) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.USAGE_UNAVAILABLE,
                    "The gateway cannot record usage right now; retry shortly.", "ledger_saturated"));
        }
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        List<UpstreamTry> tries = exchange.get(RequestContext.TRIES);
        if (tries != null) { // the calls that did not become the answer: no tokens, their status
            Principal principal = exchange.require(RequestContext.PRINCIPAL);
            String operation = exchange.request().operation().name().toLowerCase(Locale.ROOT);
            for (UpstreamTry t : tries) {
                ledger.record(new UsageRecord(exchange.requestId(), System.currentTimeMillis(), exchange.verifiedTenant(),
                        principal.subject(), principal.subject(), t.route().model().name(), t.route().upstream().region(), operation,
                        0, 0, 0, 0, 0, t.status(), t.latencyMs(), false, false));
            }
        }
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        boolean cacheHit = Boolean.TRUE.equals(exchange.get(RequestContext.CACHE_HIT));
        if (route == null || (exchange.get(RequestContext.UPSTREAM_HEAD_NANOS) == null && !cacheHit)) {
            return; // refused, or failed before an upstream answered: nothing was used
        }
        Principal principal = exchange.require(RequestContext.PRINCIPAL);
        Metered used = Metered.of(exchange, completion); // what admission settled, too
        ledger.record(new UsageRecord(exchange.requestId(), System.currentTimeMillis(), exchange.verifiedTenant(),
                principal.subject(), principal.subject(), route.model().name(), route.upstream().region(),
                exchange.request().operation().name().toLowerCase(Locale.ROOT), used.inputTokens(), used.outputTokens(),
                used.computeUnits(), 0, used.costMicros(), completion.status(),
                (System.nanoTime() - exchange.startNanos()) / 1_000_000, cacheHit, completion.aborted()));
    }
}
