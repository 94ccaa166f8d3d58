package dev.warden.config;

import java.util.List;

/**
 * {@code alerts:} how often spend is checked against budgets and for anomalies, and where newly
 * raised alerts are posted (JSON, to each webhook).
 *
 * @param anomalyFactor    the last hour's spend (refusals, security events) must exceed this
 *                         multiple of the hourly mean of the day before
 * @param anomalyMinMicros ... and be at least this much (so small tenants do not page anyone)
 * @param anomalyMinRefusals       ... the same floor for a tenant's refusals in the hour
 * @param anomalyMinSecurityEvents ... and for its security events (credential, permission, isolation refusals)
 */
public record AlertSettings(int intervalMs, List<String> webhooks, double anomalyFactor, long anomalyMinMicros, long anomalyMinRefusals,
                            long anomalyMinSecurityEvents) {
    public static final AlertSettings DEFAULTS = new AlertSettings(15_000, List.of(), 3.0, 1_000_000, 100, 20);

    public AlertSettings {
        webhooks = List.copyOf(webhooks);
    }

    /** The webhooks by host only: their paths often are the credential (a chat service's hook). */
    @Override
    public String toString() {
        return "AlertSettings[intervalMs=" + intervalMs + ", webhooks=" + webhooks.stream().map(AlertSettings::host).toList()
                + ", anomalyFactor=" + anomalyFactor + ", anomalyMinMicros=" + anomalyMinMicros + ", anomalyMinRefusals="
                + anomalyMinRefusals + ", anomalyMinSecurityEvents=" + anomalyMinSecurityEvents + "]";
    }

    private static String host(String url) {
        try {
            String host = java.net.URI.create(url).getHost();
            return host == null ? "<unreadable>" : host;
        } catch (IllegalArgumentException e) {
            return "<unreadable>";
        }
    }
}
