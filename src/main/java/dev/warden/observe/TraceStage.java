package dev.warden.observe;

import dev.warden.exchange.RequestContext;
import dev.warden.exchange.UpstreamTry;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;
import java.util.List;
import java.util.Locale;

/**
 * Opens the request's trace (W3C ids, and a span when tracing is exported) and closes it with the
 * outcome. Forwarding sends {@link TraceContext#traceparent()} upstream.
 */
public final class TraceStage implements Stage {
    private final Tracing tracing;

    public TraceStage(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        long startEpochNanos = System.currentTimeMillis() * 1_000_000L;
        String name = tracing.exports() ? "warden " + exchange.request().operation().name().toLowerCase(Locale.ROOT) : null;
        exchange.put(TraceContext.KEY, tracing.start(name, exchange.request().headers().get("traceparent"), startEpochNanos,
                exchange.requestId()));
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        TraceContext trace = exchange.get(TraceContext.KEY);
        if (trace != null) {
            List<UpstreamTry> tries = exchange.get(RequestContext.TRIES);
            if (tries != null) {
                tries.forEach(t -> trace.tried(t.route().model().name(), t.route().upstream().authority(), t.route().upstream().region(),
                        t.status(), t.reason()));
            }
            trace.end(exchange.verifiedTenant(), exchange.get(RequestContext.MODEL), completion.status() == 0 ? 499 : completion.status(),
                    completion.error() == null ? null : completion.error().code().code(),
                    completion.usage().inputTokens(), completion.usage().outputTokens());
        }
    }
}
