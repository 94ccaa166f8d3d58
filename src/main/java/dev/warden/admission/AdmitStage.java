package dev.warden.admission;

import dev.warden.config.ModelConfig;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.tenant.RequestBody;
import dev.warden.tenant.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Admit, its first part: the worst-case cost of every model call, before anything is forwarded
 * ({@link CostEstimator}); a malformed {@code max_tokens} or {@code n} is 400, a prompt beyond the
 * model's context 413. Limits, budgets (reserve / settle), seats and the fair queue build on this
 * estimate. A large body is counted on a worker thread: tokenizing megabytes must not stall an
 * event loop.
 */
public final class AdmitStage implements Stage {
    static final int ON_LOOP_MAX_BYTES = 32 * 1024;
    private final Vertx vertx;

    public AdmitStage(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public String name() {
        return "admit";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        if (!exchange.request().operation().inference()) {
            return Outcome.continueNow();
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        ModelConfig model = snapshot.config().models().get(exchange.require(RequestContext.MODEL));
        Tenant tenant = exchange.require(RequestContext.TENANT);
        RequestBody body = exchange.get(RequestContext.BODY);
        if (body != null && body.raw().length() > ON_LOOP_MAX_BYTES && vertx != null) {
            return vertx.executeBlocking(() -> CostEstimator.estimate(exchange.request().operation(), body, model, tenant), false)
                    .map(r -> apply(exchange, r));
        }
        return Future.succeededFuture(apply(exchange, CostEstimator.estimate(exchange.request().operation(), body, model, tenant)));
    }

    private static Outcome apply(Exchange exchange, CostEstimator.Result r) {
        if (r.error() != null) {
            return Outcome.reject(r.error());
        }
        exchange.put(RequestContext.COST, r.estimate());
        return Outcome.CONTINUE;
    }
}
