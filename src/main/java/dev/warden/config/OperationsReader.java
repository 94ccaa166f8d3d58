package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.egress.Egress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads how the gateway is run and watched: {@code config} (reload), {@code metrics},
 * {@code alerts}, {@code telemetry} and {@code stages} (a policy stage's switches).
 */
final class OperationsReader {
    private OperationsReader() {
    }

    /** {@code config.watchIntervalMs}: how often the file is checked for changes (0: never). */
    static int watchIntervalMs(ConfigReader r, JsonNode root) {
        return onlySetting(r, root, "config", "watchIntervalMs", 1000, 0, 3_600_000);
    }

    /** {@code metrics.maxTenantLabels}: past this many tenants, the rest share one label. */
    static int maxTenantLabels(ConfigReader r, JsonNode root) {
        return onlySetting(r, root, "metrics", "maxTenantLabels", 1000, 1, 100_000);
    }

    /** A section that holds one integer setting. */
    private static int onlySetting(ConfigReader r, JsonNode root, String section, String field, int dflt, int min, int max) {
        JsonNode n = root.get(section);
        if (!r.isObject(n, section, false)) {
            return dflt;
        }
        r.onlyKnown(n, section, Set.of(field));
        return r.integer(n, section, field, dflt, min, max);
    }

    static AlertSettings alerts(ConfigReader r, JsonNode root, IndirectValues values) {
        JsonNode n = root.get("alerts");
        if (!r.isObject(n, "alerts", false)) {
            return AlertSettings.DEFAULTS;
        }
        r.onlyKnown(n, "alerts", Set.of("intervalMs", "webhooks", "webhooksEnv", "webhooksFile", "anomalyFactor", "anomalyMinMicros",
                "anomalyMinRefusals", "anomalyMinSecurityEvents"));
        List<String> hooks = new ArrayList<>();
        JsonNode hooksNode = n.get("webhooks");
        String hidden = values.fromEnvOrFile(n, "alerts", "webhooks");
        if (hidden != null && hooksNode != null) {
            values.writtenTwice("alerts", "webhooks");
        } else if (hidden != null) {
            // URLs that carry a credential (a chat service's webhook): checked, never echoed in an error
            String[] urls = hidden.split("[\\s,]+");
            for (int i = 0; i < urls.length; i++) {
                if (!Egress.OPERATOR.allows(urls[i])) {
                    r.error("alerts.webhooks[" + i + "]", "(expected: an https URL, or http to a loopback host; the value is not shown)");
                }
                hooks.add(urls[i]);
            }
        } else if (hooksNode != null && !hooksNode.isArray()) {
            r.error("alerts.webhooks", "(expected: a list of URLs)");
        } else if (hooksNode != null) {
            for (int i = 0; i < hooksNode.size(); i++) {
                String u = hooksNode.get(i).asText("");
                if (!Egress.OPERATOR.allows(u)) {
                    r.error("alerts.webhooks[" + i + "]", "'" + u + "' (expected: an https URL, or http to a loopback host)");
                }
                hooks.add(u);
            }
        }
        int factor = r.integer(n, "alerts", "anomalyFactor", 3, 1, 1000);
        return new AlertSettings(r.integer(n, "alerts", "intervalMs", 15_000, 1000, 3_600_000), hooks,
                factor, r.integer(n, "alerts", "anomalyMinMicros", 1_000_000, 0, Integer.MAX_VALUE),
                r.integer(n, "alerts", "anomalyMinRefusals", 100, 1, Integer.MAX_VALUE),
                r.integer(n, "alerts", "anomalyMinSecurityEvents", 20, 1, Integer.MAX_VALUE));
    }

    /** {@code telemetry}; what it leaves out comes from the OpenTelemetry SDK's {@code OTEL_*} variables. */
    static TelemetrySettings telemetry(ConfigReader r, JsonNode root, IndirectValues values, Function<String, String> env) {
        JsonNode n = root.get("telemetry");
        if (n != null && !r.isObject(n, "telemetry", false)) {
            n = null;
        }
        if (n != null) {
            r.onlyKnown(n, "telemetry", Set.of("tracing", "otlpEndpoint", "otlpHeaders", "otlpHeadersEnv", "otlpHeadersFile",
                    "sampleRatioPercent", "serviceName", "trustClientTrace", "accessLog"));
        }
        OtelEnvironment otel = new OtelEnvironment(r, env);
        TelemetrySettings d = TelemetrySettings.DEFAULTS;
        boolean tracing = written(n, "tracing") ? r.bool(n, "telemetry", "tracing", false) : otel.exportRequested();
        String endpoint = written(n, "otlpEndpoint") ? r.string(n, "telemetry", "otlpEndpoint", d.otlpEndpoint(), false)
                : otel.tracesEndpoint(d.otlpEndpoint());
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            r.error("telemetry.otlpEndpoint", "'" + endpoint + "' (expected: the OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces)");
        }
        String headerText = n == null ? null : values.read(n, "telemetry", "otlpHeaders", null);
        Map<String, String> headers = headerText != null
                ? OtelEnvironment.pairs(r, "telemetry.otlpHeaders", headerText) : otel.headers();
        double ratio = written(n, "sampleRatioPercent") ? r.integer(n, "telemetry", "sampleRatioPercent", 100, 0, 100) / 100.0
                : otel.sampleRatio(d.sampleRatio());
        String service = written(n, "serviceName") ? r.string(n, "telemetry", "serviceName", d.serviceName(), false)
                : otel.serviceName(d.serviceName());
        return new TelemetrySettings(tracing, endpoint, headers, otel.resourceAttributes(), ratio, service,
                r.bool(n, "telemetry", "trustClientTrace", false), r.bool(n, "telemetry", "accessLog", true));
    }

    private static boolean written(JsonNode n, String field) {
        return n != null && n.has(field) && !n.get(field).isNull();
    }

    /** {@code stages}: only policy stages have switches (identity, routing and forwarding are always on). */
    static Map<String, StageSwitch> stages(ConfigReader r, JsonNode root) {
        Map<String, StageSwitch> stages = new HashMap<>();
        r.entries(root, "", "stages", false, (name, node, path) -> {
            if (!Set.of("authorize").contains(name)) {
                r.error(path, "no switches for this stage (expected: authorize; identity, routing and forwarding are always on)");
                return;
            }
            r.onlyKnown(node, path, Set.of("enabled", "enforced"));
            stages.put(name, new StageSwitch(r.bool(node, path, "enabled", true), r.bool(node, path, "enforced", true)));
        });
        return stages;
    }
}
