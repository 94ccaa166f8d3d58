package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.egress.Egress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    static AlertSettings alerts(ConfigReader r, JsonNode root) {
        JsonNode n = root.get("alerts");
        if (!r.isObject(n, "alerts", false)) {
            return AlertSettings.DEFAULTS;
        }
        r.onlyKnown(n, "alerts", Set.of("intervalMs", "webhooks", "anomalyFactor", "anomalyMinMicros", "anomalyMinRefusals",
                "anomalyMinSecurityEvents"));
        List<String> hooks = new ArrayList<>();
        JsonNode hooksNode = n.get("webhooks");
        if (hooksNode != null && !hooksNode.isArray()) {
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

    static TelemetrySettings telemetry(ConfigReader r, JsonNode root) {
        JsonNode n = root.get("telemetry");
        if (!r.isObject(n, "telemetry", false)) {
            return TelemetrySettings.DEFAULTS;
        }
        r.onlyKnown(n, "telemetry", Set.of("tracing", "otlpEndpoint", "sampleRatioPercent", "serviceName", "trustClientTrace", "accessLog"));
        String endpoint = r.string(n, "telemetry", "otlpEndpoint", TelemetrySettings.DEFAULTS.otlpEndpoint(), false);
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            r.error("telemetry.otlpEndpoint", "'" + endpoint + "' (expected: the OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces)");
        }
        return new TelemetrySettings(r.bool(n, "telemetry", "tracing", false), endpoint,
                r.integer(n, "telemetry", "sampleRatioPercent", 100, 0, 100) / 100.0,
                r.string(n, "telemetry", "serviceName", "warden", false), r.bool(n, "telemetry", "trustClientTrace", false),
                r.bool(n, "telemetry", "accessLog", true));
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
