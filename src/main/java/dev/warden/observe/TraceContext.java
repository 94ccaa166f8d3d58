package dev.warden.observe;

import dev.warden.pipeline.Key;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The trace of one request through Warden: its W3C trace and span ids (what the upstream gets as
 * {@code traceparent}), and the exported span when tracing is on.
 *
 * @param span null when spans are not exported (the ids are still propagated)
 */
public record TraceContext(String traceId, String spanId, boolean sampled, Span span) {
    /** The exchange slot: set by the trace stage, read by forwarding and the access log. */
    public static final Key<TraceContext> KEY = Key.of("trace");

    /** The {@code traceparent} header value for the next hop (Warden's span as its parent). */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    /** An upstream call that did not become the answer: an event on the span (if exported). */
    void tried(String model, String upstream, String region, int status, String reason) {
        if (span != null) {
            span.addEvent("warden.upstream_try", Attributes.builder().put("gen_ai.request.model", model).put("warden.upstream", upstream)
                    .put("warden.region", region).put("http.response.status_code", status).put("warden.reason", reason).build());
        }
    }

    /** Ends the span (if exported) with the request's outcome. */
    void end(String tenant, String model, int status, String errorCode, long inputTokens, long outputTokens) {
        if (span == null) {
            return;
        }
        if (tenant != null) {
            span.setAttribute("warden.tenant", tenant);
        }
        if (model != null) {
            span.setAttribute("gen_ai.request.model", model);
        }
        span.setAttribute("http.response.status_code", status);
        span.setAttribute("gen_ai.usage.input_tokens", inputTokens);
        span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
        if (errorCode != null) {
            span.setAttribute("warden.error_code", errorCode);
        }
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
