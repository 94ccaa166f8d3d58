package dev.warden.observe;

import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.GatewayError;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Security events (refusals of security relevance, isolation violations) as one JSON line each on
 * the {@code warden.security} logger, plus a counter by reason. Values are JSON-escaped, so a
 * hostile header can never forge a field or a line. Never a secret, never a payload. The
 * tamper-evident audit log (control-plane issue) will take these same events.
 */
public final class SecurityLog {
    private static final Logger LOG = LoggerFactory.getLogger("warden.security");
    private static volatile MeterRegistry registry = Metrics.globalRegistry;

    private SecurityLog() {
    }

    public static void useRegistry(MeterRegistry meters) {
        registry = meters;
    }

    public static void refused(Exchange exchange, GatewayError error) {
        write(exchange, "refuse", error.code().code(), error.reason(), null);
    }

    /** A refusal of a request that was refused before it became an exchange (path, framing). */
    public static void refusedBeforePipeline(String requestId, String remote, GatewayError error) {
        registry.counter("warden_security_events_total", "code", error.code().code()).increment();
        if (!LOG.isWarnEnabled()) {
            return;
        }
        StringBuilder sb = new StringBuilder(200).append('{');
        field(sb, "event", "refuse").append(',');
        field(sb, "code", error.code().code()).append(',');
        field(sb, "reason", error.reason()).append(',');
        field(sb, "requestId", requestId).append(',');
        field(sb, "tenant", null).append(',');
        field(sb, "source", remote);
        LOG.warn(sb.append('}').toString());
    }

    public static void isolationViolation(Exchange exchange, String upstream) {
        write(exchange, "isolation_violation", "isolation_violation", "upstream_tenant_mismatch", upstream);
    }

    private static void write(Exchange exchange, String action, String code, String reason, String upstream) {
        registry.counter("warden_security_events_total", "code", code).increment();
        if (!LOG.isWarnEnabled()) {
            return;
        }
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "event", action).append(',');
        field(sb, "code", code).append(',');
        field(sb, "reason", reason).append(',');
        field(sb, "requestId", exchange.requestId()).append(',');
        field(sb, "tenant", exchange.verifiedTenant()).append(',');
        field(sb, "operation", exchange.request().operation().name().toLowerCase(java.util.Locale.ROOT)).append(',');
        field(sb, "source", exchange.request().remoteAddress());
        if (upstream != null) {
            sb.append(',');
            field(sb, "upstream", upstream);
        }
        LOG.warn(sb.append('}').toString());
    }

    static StringBuilder field(StringBuilder sb, String name, String value) {
        return SecurityLogFields.escape(sb, name, value);
    }

}
