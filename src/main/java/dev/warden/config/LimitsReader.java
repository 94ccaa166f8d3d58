package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** Reads the gateway's own bounds: {@code limits} (sizes, connections) and {@code timeouts}. */
final class LimitsReader {
    private LimitsReader() {
    }

    static Limits limits(ConfigReader r, JsonNode root) {
        JsonNode n = root.get("limits");
        Limits d = Limits.DEFAULTS;
        if (!r.isObject(n, "limits", false)) {
            return d;
        }
        r.onlyKnown(n, "limits", Set.of("maxBodyBytes", "maxHeaderBytes", "maxUriBytes", "maxJsonDepth", "maxResponseBytes",
                "maxConnections", "maxConnectionsPerSource", "maxAudioBytes", "maxAbortsPerTenant",
                "maxInFlightPerTenant"));
        return new Limits(
                r.integer(n, "limits", "maxBodyBytes", d.maxBodyBytes(), 1024, 256 * 1024 * 1024),
                r.integer(n, "limits", "maxHeaderBytes", d.maxHeaderBytes(), 1024, 1024 * 1024),
                r.integer(n, "limits", "maxUriBytes", d.maxUriBytes(), 256, 64 * 1024),
                r.integer(n, "limits", "maxJsonDepth", d.maxJsonDepth(), 4, 1000),
                r.integer(n, "limits", "maxResponseBytes", d.maxResponseBytes(), 1024, 1024 * 1024 * 1024),
                r.integer(n, "limits", "maxConnections", d.maxConnections(), 1, 1_000_000),
                r.integer(n, "limits", "maxConnectionsPerSource", d.maxConnectionsPerSource(), 0, 1_000_000),
                r.integer(n, "limits", "maxAudioBytes", d.maxAudioBytes(), 1024, 1024 * 1024 * 1024),
                r.integer(n, "limits", "maxAbortsPerTenant", d.maxAbortsPerTenant(), 0, 10_000_000),
                r.integer(n, "limits", "maxInFlightPerTenant", d.maxInFlightPerTenant(), 0, 10_000_000));
    }

    static Timeouts timeouts(ConfigReader r, JsonNode root) {
        JsonNode n = root.get("timeouts");
        Timeouts d = Timeouts.DEFAULTS;
        if (!r.isObject(n, "timeouts", false)) {
            return d;
        }
        r.onlyKnown(n, "timeouts", Set.of("connectMs", "firstByteMs", "idleMs", "clientIdleMs", "drainMs", "headerMs", "bodyMs",
                "shutdownDelayMs"));
        return new Timeouts(
                r.integer(n, "timeouts", "connectMs", d.connectMs(), 1, 600_000),
                r.integer(n, "timeouts", "firstByteMs", d.firstByteMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "idleMs", d.idleMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "clientIdleMs", d.clientIdleMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "drainMs", d.drainMs(), 0, 300_000),
                r.integer(n, "timeouts", "headerMs", d.headerMs(), 100, 600_000),
                r.integer(n, "timeouts", "bodyMs", d.bodyMs(), 100, 3_600_000),
                r.integer(n, "timeouts", "shutdownDelayMs", d.shutdownDelayMs(), 0, 120_000));
    }
}
