package dev.warden.config;

import java.util.Map;

/**
 * {@code telemetry:} tracing and the access log. What warden.yaml leaves out comes from the
 * OpenTelemetry SDK's {@code OTEL_*} environment variables ({@link OtelEnvironment}).
 *
 * @param tracing      export spans over OTLP/HTTP to {@code otlpEndpoint} (off by default);
 *                     {@code traceparent} is propagated to upstreams either way
 * @param otlpHeaders  headers sent with every export (a collector's credentials: never logged)
 * @param resourceAttributes extra resource attributes of every span ({@code OTEL_RESOURCE_ATTRIBUTES})
 * @param sampleRatio  share of new traces sampled (a sampled incoming parent is always followed)
 * @param trustClientTrace continue a client's {@code traceparent} (off: a new trace, linked to the client's)
 * @param accessLog    one JSON line per request on stdout ({@code observe.AccessLog}; metadata only,
 *                     unless a tenant opts in to payloads)
 */
public record TelemetrySettings(boolean tracing, String otlpEndpoint, Map<String, String> otlpHeaders,
                                Map<String, String> resourceAttributes, double sampleRatio, String serviceName,
                                boolean trustClientTrace, boolean accessLog) {
    public static final TelemetrySettings DEFAULTS = new TelemetrySettings(false, "http://127.0.0.1:4318/v1/traces", Map.of(),
            Map.of(), 1.0, "warden", false, true);

    public TelemetrySettings {
        otlpHeaders = Map.copyOf(otlpHeaders);
        resourceAttributes = Map.copyOf(resourceAttributes);
    }

    @Override
    public String toString() {
        return "TelemetrySettings[tracing=" + tracing + ", otlpEndpoint=" + otlpEndpoint + ", otlpHeaders=" + otlpHeaders.keySet()
                + " (values redacted), resourceAttributes=" + resourceAttributes + ", sampleRatio=" + sampleRatio
                + ", serviceName=" + serviceName + ", trustClientTrace=" + trustClientTrace + ", accessLog=" + accessLog + "]";
    }
}
