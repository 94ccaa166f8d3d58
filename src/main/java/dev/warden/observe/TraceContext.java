package dev.warden.observe;

import dev.warden.pipeline.Key;
import io.opentelemetry.api.trace.Span;

/**
 * The trace of one request through Warden: its W3C trace and span ids (what the upstream gets as
 * {@code traceparent}), and the exported span when tracing is on.
 *
 * @param span null when spans are not exported (the ids are still propagated)
 * @param startEpochNanos when the request arrived (the span's start), for child spans' clocks
 */
public record TraceContext(String traceId, String spanId, boolean sampled, Span span, long startEpochNanos) {
    /** The exchange slot: set by the trace stage, read by forwarding and the access log. */
    public static final Key<TraceContext> KEY = Key.of("trace");

    /** The {@code traceparent} header value for the next hop (Warden's span as its parent). */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }
}
