package dev.warden.observe;

import dev.warden.pipeline.Exchange;
import dev.warden.problem.GatewayError;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Security events (refusals of security relevance, isolation violations) as one JSON line each on
 * the {@code warden.security} logger, plus a counter by reason. Values are JSON-escaped, so a
 * hostile header can never forge a field or a line. Never a secret, never a payload. The
 * tamper-evident audit log ({@code record.AuditStage}) takes the same refusals.
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
        write("refuse", error.code().code(), error.reason(), requestId, null, null, remote, null);
    }

    public static void isolationViolation(Exchange exchange, String upstream) {
        write(exchange, "isolation_violation", "isolation_violation", "upstream_tenant_mismatch", upstream);
    }

    private static void write(Exchange exchange, String action, String code, String reason, String upstream) {
        write(action, code, reason, exchange.requestId(), exchange.verifiedTenant(),
                exchange.request().operation().name().toLowerCase(Locale.ROOT), exchange.request().remoteAddress(), upstream);
    }

    /** One JSON line; {@code operation} and {@code upstream} are left out when null. */
    private static void write(String action, String code, String reason, String requestId, String tenant, String operation,
                              String source, String upstream) {
        registry.counter("warden_security_events_total", "code", code).increment();
        if (!LOG.isWarnEnabled()) {
            return;
        }
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "event", action).append(',');
        field(sb, "code", code).append(',');
        field(sb, "reason", reason).append(',');
        field(sb, "requestId", requestId).append(',');
        field(sb, "tenant", tenant).append(',');
        if (operation != null) {
            field(sb, "operation", operation).append(',');
        }
        field(sb, "source", source);
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
