package dev.warden.observe;

import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Locale;

/**
 * One JSON line per request on stdout ({@link AccessLog}: batched per event loop): time,
 * request and trace ids, tenant, key, operation, model, region, status, error code, tokens, cost,
 * latency, client address. Metadata only: no header value, no prompt, no completion, ever (a
 * tenant's opt-in payload log is sealed in the control store: {@code record.PayloadStage}). First in
 * the pipeline, so its {@code onComplete} runs last, when everything is settled.
 */
public final class AccessLogStage implements Stage {
    private final AccessLog log;
    private final AccessLog.Batch batch;

    /** @param batch this event loop's batch of the process's access log */
    public AccessLogStage(AccessLog log, AccessLog.Batch batch) {
        this.log = log;
        this.batch = batch;
    }

    @Override
    public String name() {
        return "access-log";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        if (log.active()) {
            batch.add(line(exchange, completion));
        }
    }

    /** The line, built by hand (no JSON library per request); every string a client influences is escaped. */
    String line(Exchange exchange, Completion completion) {
        StringBuilder sb = new StringBuilder(384).append('{');
        SecurityLogFields.escape(sb, "time", Instant.now().toString()).append(',');
        SecurityLogFields.escape(sb, "requestId", exchange.requestId());
        TraceContext trace = exchange.get(TraceContext.KEY);
        if (trace != null) {
            SecurityLogFields.escape(sb.append(','), "traceId", trace.traceId());
        }
        String tenant = exchange.verifiedTenant();
        SecurityLogFields.escape(sb.append(','), "tenant", tenant);
        Principal principal = exchange.get(RequestContext.PRINCIPAL);
        SecurityLogFields.escape(sb.append(','), "principal", principal == null ? null : principal.subject());
        if (exchange.request().http() != null) {
            SecurityLogFields.escape(sb.append(','), "method", exchange.request().http().method().name());
            String path = exchange.request().http().path();
            SecurityLogFields.escape(sb.append(','), "path", path != null && path.length() > 256 ? path.substring(0, 256) : path);
        }
        SecurityLogFields.escape(sb.append(','), "operation", exchange.request().operation().name().toLowerCase(Locale.ROOT));
        SecurityLogFields.escape(sb.append(','), "model", exchange.get(RequestContext.MODEL));
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        SecurityLogFields.escape(sb.append(','), "region", route == null ? null : route.upstream().region());
        sb.append(",\"status\":").append(completion.status() == 0 ? 499 : completion.status());
        SecurityLogFields.escape(sb.append(','), "error", completion.error() == null ? null : completion.error().code().code());
        sb.append(",\"inputTokens\":").append(completion.usage().inputTokens());
        sb.append(",\"outputTokens\":").append(completion.usage().outputTokens());
        if (route != null) {
            sb.append(",\"costMicros\":").append(route.costMicros(completion.usage()));
        }
        sb.append(",\"latencyMs\":").append((System.nanoTime() - exchange.startNanos()) / 1_000_000);
        sb.append(",\"aborted\":").append(completion.aborted());
        SecurityLogFields.escape(sb.append(','), "client", exchange.request().remoteAddress());
        return sb.append('}').toString();
    }
}
