package dev.warden.observe;

import dev.warden.config.TelemetrySettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Starts the trace of each request. Warden is a public edge: by default a client's
 * {@code traceparent} is not trusted as a parent (a tenant could otherwise graft spans into another
 * tenant's trace by guessing its id); Warden starts a new trace and links the client's context to
 * it. With {@code trustClientTrace} the client's trace is continued instead. Spans are exported
 * over OTLP/HTTP only when {@code tracing} is on; ids are made and propagated either way.
 */
public final class Tracing implements AutoCloseable {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final AttributeKey<String> LINKED_BY = AttributeKey.stringKey("warden.link");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final boolean trustClient;
    private final double ratio;

    private Tracing(SdkTracerProvider provider, boolean trustClient, double ratio) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get("dev.warden");
        this.trustClient = trustClient;
        this.ratio = ratio;
    }

    public static Tracing of(TelemetrySettings settings) {
        if (!settings.tracing()) {
            return new Tracing(null, settings.trustClientTrace(), settings.sampleRatio());
        }
        var exporterBuilder = OtlpHttpSpanExporter.builder().setEndpoint(settings.otlpEndpoint()).setTimeout(Duration.ofSeconds(5));
        settings.otlpHeaders().forEach(exporterBuilder::addHeader);
        var resource = Attributes.builder();
        settings.resourceAttributes().forEach(resource::put);
        resource.put(AttributeKey.stringKey("service.name"), settings.serviceName());
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporterBuilder.build()).setScheduleDelay(Duration.ofMillis(500))
                        .setMaxQueueSize(8192).build())
                .build();
        return new Tracing(provider, settings.trustClientTrace(), settings.sampleRatio());
    }

    /**
     * The trace of a request that arrived with {@code traceparent} (may be null or invalid). Without
     * span export, a new trace's id is the request id (already 128 random bits, 32 hex digits), so
     * logs, audit and traces share one id.
     */
    public TraceContext start(String name, String traceparent, long startEpochNanos, String requestId) {
        SpanContext client = traceparent == null ? null : parse(traceparent);
        if (tracer == null) {
            if (trustClient && client != null) {
                return new TraceContext(client.getTraceId(), randomHex(8), client.isSampled(), null, startEpochNanos);
            }
            String traceId = requestId != null && requestId.length() == 32 ? requestId : randomHex(16);
            return new TraceContext(traceId, randomHex(8), ratio >= 1.0 || ThreadLocalRandom.current().nextDouble() < ratio, null,
                    startEpochNanos);
        }
        var builder = tracer.spanBuilder(name).setSpanKind(SpanKind.SERVER).setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
        if (client != null && trustClient) {
            builder.setParent(Context.root().with(Span.wrap(client)));
        } else {
            builder.setNoParent();
            if (client != null) {
                builder.addLink(client, Attributes.of(LINKED_BY, "client traceparent"));
            }
        }
        Span span = builder.startSpan();
        SpanContext sc = span.getSpanContext();
        return new TraceContext(sc.getTraceId(), sc.getSpanId(), sc.isSampled(), span, startEpochNanos);
    }

    /** The tracer of exported spans (null when spans are not exported). */
    Tracer tracer() {
        return tracer;
    }

    /** Whether spans are exported (else only ids are made). */
    public boolean exports() {
        return tracer != null;
    }

    /** A valid W3C traceparent (version 00, non-zero ids, lowercase hex), or null. */
    static SpanContext parse(String v) {
        if (v == null || v.length() != 55 || !v.startsWith("00-") || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return null;
        }
        String trace = v.substring(3, 35);
        String parent = v.substring(36, 52);
        String flags = v.substring(53, 55);
        if (!hex(trace) || !hex(parent) || !hex(flags) || trace.equals("0".repeat(32)) || parent.equals("0".repeat(16))) {
            return null;
        }
        return SpanContext.createFromRemoteParent(trace, parent, TraceFlags.fromHex(flags, 0), TraceState.getDefault());
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String randomHex(int bytes) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[bytes * 2];
        long v = 0;
        for (int i = 0; i < out.length; i++) {
            if (i % 16 == 0) {
                do {
                    v = r.nextLong();
                } while (v == 0);
            }
            out[i] = HEX[(int) (v >>> (60 - 4 * (i % 16))) & 0xf];
        }
        return new String(out);
    }

    /** Exports what is queued, then stops. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
