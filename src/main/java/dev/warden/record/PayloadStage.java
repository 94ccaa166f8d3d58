package dev.warden.record;

import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Payload logging, for tenants that opted in ({@code settings/logging: {"payloads": true,
 * "retentionDays": n}}): each model call's prompt as it was forwarded (after redaction) and its
 * answer (a whole answer as relayed, or a stream's text), each capped at {@value #MAX_PART} bytes,
 * go to the tenant's payload log, sealed by the writer ({@link PayloadWriter}), kept for the
 * tenant's retention. Never to stdout. A tenant that opted in is refused (503) while the writer
 * cannot keep up, rather than served unlogged.
 */
public final class PayloadStage implements Stage {
    static final int MAX_PART = 64 * 1024;
    private static final long DAY_MS = 86_400_000L;

    private final PayloadWriter writer;
    private final ToLongFunction<String> retentionDays;

    /** {@code retentionDays}: a tenant's retention, 0 when it did not opt in. */
    public PayloadStage(PayloadWriter writer, ToLongFunction<String> retentionDays) {
        this.writer = writer;
        this.retentionDays = retentionDays;
    }

    @Override
    public String name() {
        return "payloads";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        String tenant = exchange.verifiedTenant();
        if (tenant != null && exchange.request().operation().usesModel() && writer.saturated() && retentionDays.applyAsLong(tenant) > 0) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.PAYLOAD_LOG_UNAVAILABLE,
                    "The gateway cannot log this tenant's payloads right now; retry shortly.", "payload_log_saturated"));
        }
        return Outcome.continueNow();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        String tenant = exchange.verifiedTenant();
        RequestBody body = exchange.get(RequestContext.BODY);
        if (tenant == null || body == null || !exchange.request().operation().usesModel() || exchange.get(RequestContext.ROUTE) == null) {
            return; // only model calls that were forwarded (or answered from the cache)
        }
        long days = retentionDays.applyAsLong(tenant);
        if (days <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        Buffer whole = exchange.get(RequestContext.RESPONSE_BODY);
        String response = whole != null ? capped(whole) : cappedText(exchange.outputText());
        Principal p = exchange.get(RequestContext.PRINCIPAL);
        writer.record(new PayloadWriter.Entry(new PayloadRecord("pl-" + exchange.requestId(), tenant, exchange.requestId(), now,
                p == null ? null : p.subject(), exchange.request().operation().name().toLowerCase(Locale.ROOT),
                exchange.get(RequestContext.MODEL), completion.status() == 0 ? 499 : completion.status(), now + days * DAY_MS, null),
                capped(body.raw()), response));
    }

    private static String capped(Buffer b) {
        int n = Math.min(b.length(), MAX_PART);
        String s = new String(b.getBytes(0, n), StandardCharsets.UTF_8);
        return n < b.length() ? s + "...(truncated)" : s;
    }

    private static String cappedText(String s) {
        if (s == null) {
            return null;
        }
        return s.length() <= MAX_PART ? s : s.substring(0, MAX_PART) + "...(truncated)";
    }
}
