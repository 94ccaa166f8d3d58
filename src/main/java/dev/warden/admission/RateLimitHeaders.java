package dev.warden.admission;

import dev.warden.pipeline.Exchange;
import java.util.List;

/**
 * The IETF httpapi rate-limit headers (draft-ietf-httpapi-ratelimit-headers) for the limits that
 * applied: {@code RateLimit-Policy: "tenant-requests";q=20;w=10} (a quota of {@code q} units per
 * window of {@code w} seconds: the burst) and {@code RateLimit: "tenant-requests";r=19;t=1}
 * (remaining units, and seconds until the quota is whole again), one list item per limit;
 * {@code Retry-After} on a 429.
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    /** {@code retryAfterSeconds} negative: admitted, no {@code Retry-After}. */
    static void apply(Exchange exchange, List<Limiter.Policy> policies, long retryAfterSeconds) {
        if (!policies.isEmpty()) {
            StringBuilder policy = new StringBuilder();
            StringBuilder state = new StringBuilder();
            for (Limiter.Policy p : policies) {
                if (!policy.isEmpty()) {
                    policy.append(", ");
                    state.append(", ");
                }
                policy.append('"').append(p.name()).append("\";q=").append(p.quota()).append(";w=").append(p.windowSeconds());
                state.append('"').append(p.name()).append("\";r=").append(p.remaining()).append(";t=").append(p.resetSeconds());
            }
            exchange.addResponseHeader("RateLimit-Policy", policy.toString());
            exchange.addResponseHeader("RateLimit", state.toString());
        }
        if (retryAfterSeconds >= 0) {
            exchange.addResponseHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
    }
}
