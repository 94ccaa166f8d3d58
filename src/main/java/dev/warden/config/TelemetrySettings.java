package dev.warden.config;

/**
 * {@code telemetry:} tracing and the access log.
 *
 * @param tracing      export spans over OTLP/HTTP to {@code otlpEndpoint} (off by default);
 *                     {@code traceparent} is propagated to upstreams either way
 * @param sampleRatio  share of new traces sampled (a sampled incoming parent is always followed)
 * @param trustClientTrace continue a client's {@code traceparent} (off: a new trace, linked to the client's)
 * @param accessLog    one JSON line per request on stdout ({@code observe.AccessLog}; metadata only,
 *                     unless a tenant opts in to payloads)
 */
public record TelemetrySettings(boolean tracing, String otlpEndpoint, double sampleRatio, String serviceName,
                                boolean trustClientTrace, boolean accessLog) {
    public static final TelemetrySettings DEFAULTS =
            new TelemetrySettings(false, "http://127.0.0.1:4318/v1/traces", 1.0, "warden", false, true);
}
