package dev.warden.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.tenant.Principal;
import dev.warden.tenant.RequestBody;
import dev.warden.tenant.RequestContext;
import dev.warden.tenant.SelectedRoute;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on the {@code warden.access} logger (stdout, asynchronously): time,
 * request and trace ids, tenant, key, operation, model, region, status, error code, tokens, cost,
 * latency, client address. Metadata only: no header value, no prompt, no completion, unless the
 * verified tenant opted in to payload logging ({@code settings/logging: {"payloads": true}}); then
 * the request body and a non-streamed response body are added, each capped at {@value #MAX_PAYLOAD}
 * bytes. First in the pipeline, so its {@code onComplete} runs last, when everything is settled.
 */
public final class AccessLogStage implements Stage {
    /** A non-streamed upstream answer, kept by the relay for payload logging. */
    public static final Key<Buffer> RESPONSE_BODY = Key.of("responseBody");
    static final int MAX_PAYLOAD = 16 * 1024;
    private static final Logger ACCESS = LoggerFactory.getLogger("warden.access");
    private static final JsonFactory JSON = new JsonFactory();

    private final Predicate<String> payloadLogging;

    /** {@code payloadLogging}: whether a tenant opted in to payloads in its access lines. */
    public AccessLogStage(Predicate<String> payloadLogging) {
        this.payloadLogging = payloadLogging;
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
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        try {
            ACCESS.info(line(exchange, completion));
        } catch (IOException e) {
            ACCESS.warn("access line could not be written: {}", e.getClass().getSimpleName());
        }
    }

    String line(Exchange exchange, Completion completion) throws IOException {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("requestId", exchange.requestId());
            TraceContext trace = exchange.get(TraceContext.KEY);
            if (trace != null) {
                g.writeStringField("traceId", trace.traceId());
            }
            String tenant = exchange.verifiedTenant();
            g.writeStringField("tenant", tenant);
            Principal principal = exchange.get(RequestContext.PRINCIPAL);
            g.writeStringField("principal", principal == null ? null : principal.subject());
            if (exchange.request().http() != null) {
                g.writeStringField("method", exchange.request().http().method().name());
                String path = exchange.request().http().path();
                g.writeStringField("path", path != null && path.length() > 256 ? path.substring(0, 256) : path);
            }
            g.writeStringField("operation", exchange.request().operation().name().toLowerCase(Locale.ROOT));
            g.writeStringField("model", exchange.get(RequestContext.MODEL));
            SelectedRoute route = exchange.get(RequestContext.ROUTE);
            g.writeStringField("region", route == null ? null : route.upstream().region());
            g.writeNumberField("status", completion.status() == 0 ? 499 : completion.status());
            g.writeStringField("error", completion.error() == null ? null : completion.error().code().code());
            g.writeNumberField("inputTokens", completion.usage().inputTokens());
            g.writeNumberField("outputTokens", completion.usage().outputTokens());
            if (route != null) {
                g.writeNumberField("costMicros", completion.usage().costMicros(route.model().price().inputPer1k(),
                        route.model().price().outputPer1k()));
            }
            g.writeNumberField("latencyMs", (System.nanoTime() - exchange.startNanos()) / 1_000_000);
            g.writeBooleanField("aborted", completion.aborted());
            g.writeStringField("client", exchange.request().remoteAddress());
            if (tenant != null && payloadLogging.test(tenant)) {
                RequestBody body = exchange.get(RequestContext.BODY);
                g.writeStringField("requestBody", body == null ? null : capped(body.raw()));
                Buffer response = exchange.get(RESPONSE_BODY);
                g.writeStringField("responseBody", response == null ? null : capped(response));
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static String capped(Buffer b) {
        int n = Math.min(b.length(), MAX_PAYLOAD);
        String s = new String(b.getBytes(0, n), StandardCharsets.UTF_8);
        return n < b.length() ? s + "...(truncated)" : s;
    }
}
