package dev.warden.routing;

import dev.warden.config.ModelConfig;
import dev.warden.config.PoolConfig;
import dev.warden.config.ProviderKind;
import dev.warden.config.RouteTable;
import dev.warden.config.Snapshot;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.RouteAttempts;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.function.Function;

/**
 * Route: the model's pool, already filtered at compile time to the tenant's allowed regions; among
 * those upstreams, the ones whose circuit breaker and health check let them take a request; among
 * those, the least loaded by weight ({@link Balancer}); if none can, the tenant's fallback models
 * for it, in order, in the same region. None left means 503 — never another region. Forward reports each attempt and asks here for retries ({@link RouteAttempts}). A new
 * job goes the same way, to the pool's job service.
 */
public final class RouteStage implements Stage {
    private final UpstreamRegistry registry;

    public RouteStage(UpstreamRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "route";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation operation = exchange.request().operation();
        if (!operation.usesModel() && !operation.stored()) {
            return Outcome.continueNow();
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        String model = exchange.require(RequestContext.MODEL);
        RouteTable table = snapshot.route(exchange.verifiedTenant(), model);
        if (table == null || table.upstreams().isEmpty()) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.NO_UPSTREAM_IN_REGION,
                    "No upstream for this model runs in a region this tenant may use.", "no_upstream_in_region"));
        }
        String pinned = exchange.get(RequestContext.PINNED_UPSTREAM);
        if (pinned != null) { // a stored object lives on one upstream: calls about it go there or nowhere
            RouteTable only = table.pinnedTo(pinned);
            if (only.upstreams().isEmpty()) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.NO_UPSTREAM_IN_REGION,
                        "The upstream that holds this object is no longer one this tenant may use.", "object_upstream_gone"));
            }
            table = only;
        }
        ModelConfig mc = table.model();
        PoolConfig pool = snapshot.config().pools().get(mc.pool());
        if (operation == Operation.JOB_CREATE && !pool.runsJobs()) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.JOBS_UNSUPPORTED,
                    "The model's pool runs no long-running jobs.", "pool_runs_no_jobs"));
        }
        if (!offers(pool, operation)) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.OPERATION_UNSUPPORTED, "The model's provider ("
                    + pool.provider().id() + ") does not offer this operation.", "operation_unsupported"));
        }
        Function<ModelConfig, String> pathFor = m -> switch (operation) {
            case JOB_CREATE -> snapshot.config().pools().get(m.pool()).jobsPath();
            case PREDICT -> m.predict().path().replace("{model}", m.upstreamName());
            case MESSAGES -> Operation.CHAT_COMPLETIONS.upstreamPath(); // translated on OpenAI-compatible pools; Anthropic's own path otherwise
            case RESPONSE_GET, RESPONSE_DELETE -> "/v1/responses/" + exchange.request().pathId();
            default -> operation.upstreamPath();
        };
        // a predict call is priced by its own model: it never falls back to another one; a stored object is where it is
        Attempts.Chain chain = operation == Operation.JOB_CREATE || operation == Operation.PREDICT || pinned != null
                || table.fallbacks().isEmpty()
                ? Attempts.Chain.NONE
                : new Attempts.Chain(table.fallbacks(), snapshot.config().pools(), exchange.get(RequestContext.COST), pathFor,
                        p -> offers(p, operation));
        // a service token names the region it was minted for: its retries stay there
        Attempts attempts = registry.start(exchange.verifiedTenant(), pool, table.upstreams(), pool.serviceTokens(), chain);
        // the batch priority class (batches' lines among them) pays the tier's batch share of the price
        int percent = "batch".equalsIgnoreCase(exchange.request().headers().get("X-Warden-Priority")) && operation.inference()
                ? exchange.require(RequestContext.TENANT).tier().batchPricePercent() : 100;
        SelectedRoute first = new SelectedRoute(mc, table.upstreams().get(0), pathFor.apply(mc), percent);
        if (!attempts.next(first) && attempts.fallback(first) == null) {
            long wait = attempts.msUntilProbe();
            exchange.addResponseHeader("Retry-After", Long.toString(wait < 0 ? 5 : Math.max(1, (wait + 999) / 1000)));
            return Outcome.rejectNow(GatewayError.of(ErrorCode.NO_UPSTREAM_IN_REGION,
                    "No upstream for this model is available in a region this tenant may use; retry later.",
                    GatewayError.NO_HEALTHY_UPSTREAM));
        }
        exchange.put(RequestContext.ATTEMPTS, attempts);
        exchange.put(RequestContext.ROUTE, attempts.current());
        return Outcome.continueNow();
    }

    /** Whether the pool's provider serves the operation (an OpenAI server serves every one; jobs are checked apart). */
    static boolean offers(PoolConfig pool, Operation operation) {
        if (pool.provider() == ProviderKind.OPENAI || operation == Operation.JOB_CREATE) {
            return true;
        }
        if (operation.stored()) {
            return pool.provider() == ProviderKind.AZURE_OPENAI;
        }
        return operation != Operation.PREDICT && pool.provider().offers(operation.upstreamPath());
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        RouteAttempts attempts = exchange.get(RequestContext.ATTEMPTS);
        if (attempts != null) {
            attempts.report(RouteAttempts.Result.NEUTRAL); // a no-op when Forward reported it; frees the slot otherwise (jobs, refusals)
        }
    }
}
