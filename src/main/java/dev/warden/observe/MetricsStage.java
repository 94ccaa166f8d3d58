package dev.warden.observe;

import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;

/**
 * Records every exchange once it completed: request count and latency by tenant, model and status,
 * tokens in and out, a stream's time to first token and time per output token (by model only), and
 * a security event for every security-relevant refusal. First in the list so that its
 * {@code onComplete} runs last, after every other stage has settled.
 */
public final class MetricsStage implements Stage {
    private final GatewayMetrics metrics;

    public MetricsStage(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "metrics";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        String tenant = exchange.verifiedTenant() == null ? "_none" : exchange.verifiedTenant();
        String model = exchange.get(RequestContext.MODEL);
        if (model == null) {
            model = "_none";
        }
        int status = completion.status() == 0 ? 499 : completion.status();
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        metrics.completed(tenant, model, exchange.request().operation(), status, System.nanoTime() - exchange.startNanos(),
                completion.usage().inputTokens(), completion.usage().outputTokens(), route == null ? 0 : route.costMicros(completion.usage()));
        long first = exchange.firstOutputNanos();
        if (first != 0 && status < 400 && Boolean.TRUE.equals(exchange.get(RequestContext.STREAMED))) {
            long end = System.nanoTime();
            long out = completion.usage().outputTokens();
            metrics.streamTiming(model, first - exchange.startNanos(), out >= 2 ? (end - first) / (out - 1) : -1);
        }
        if (completion.error() != null) {
            metrics.refusal(tenant, completion.error().code().code());
        }
        if (completion.error() != null && completion.error().securityRelevant()) {
            SecurityLog.refused(exchange, completion.error());
        }
    }
}
