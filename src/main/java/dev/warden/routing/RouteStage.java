package dev.warden.routing;

import dev.warden.config.ModelConfig;
import dev.warden.config.PoolConfig;
import dev.warden.config.RouteTable;
import dev.warden.config.Snapshot;
import dev.warden.config.UpstreamConfig;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.GatewayError;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.tenant.RequestContext;
import dev.warden.tenant.SelectedRoute;
import io.vertx.core.Future;

/**
 * Route: the model's pool, already filtered at compile time to the tenant's allowed regions,
 * round robin. No allowed upstream means 503, never another region. A new job goes the same way,
 * to the pool's job service.
 */
public final class RouteStage implements Stage {

    @Override
    public String name() {
        return "route";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation operation = exchange.request().operation();
        if (!operation.usesModel()) {
            return Outcome.continueNow();
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        String model = exchange.require(RequestContext.MODEL);
        RouteTable table = snapshot.route(exchange.verifiedTenant(), model);
        UpstreamConfig upstream = table == null ? null : table.pick();
        if (upstream == null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.NO_UPSTREAM_IN_REGION,
                    "No upstream for this model runs in a region this tenant may use.", "no_upstream_in_region"));
        }
        ModelConfig mc = table.model();
        String path;
        if (operation == Operation.JOB_CREATE) {
            PoolConfig pool = snapshot.config().pools().get(mc.pool());
            if (!pool.runsJobs()) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.JOBS_UNSUPPORTED,
                        "The model's pool runs no long-running jobs.", "pool_runs_no_jobs"));
            }
            path = pool.jobsPath();
        } else if (operation == Operation.PREDICT) {
            path = mc.predictPath().replace("{model}", mc.upstreamName());
        } else {
            path = operation.upstreamPath();
        }
        exchange.put(RequestContext.ROUTE, new SelectedRoute(mc, upstream, upstream.basePath() + path));
        return Outcome.continueNow();
    }
}
