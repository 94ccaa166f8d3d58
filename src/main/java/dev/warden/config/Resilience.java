package dev.warden.config;

/**
 * How a pool copes with failing upstreams: each upstream's circuit breaker, optional active
 * health checks, and retries before the first response byte under a retry budget.
 */
public record Resilience(Breaker breaker, HealthCheck healthCheck, Retries retries) {
    public static final Resilience DEFAULTS = new Resilience(Breaker.DEFAULTS, null, Retries.DEFAULTS);

    /**
     * Passive ejection: {@code failures} failed answers in a row (connect errors, timeouts, resets,
     * 5xx) open the breaker for {@code openMs}; then one probe request at a time (half-open): a good
     * answer closes it, a bad one opens it again for twice as long, up to {@code maxOpenMs}.
     */
    public record Breaker(int failures, int openMs, int maxOpenMs) {
        public static final Breaker DEFAULTS = new Breaker(5, 10_000, 120_000);
    }

    /**
     * Active checks: {@code GET path} on every upstream each {@code intervalMs}; a 2xx within
     * {@code timeoutMs} passes. {@code unhealthyAfter} failures in a row take an upstream out of
     * rotation, {@code healthyAfter} passes in a row bring it back.
     */
    public record HealthCheck(String path, int intervalMs, int timeoutMs, int unhealthyAfter, int healthyAfter) {
    }

    /**
     * Retries before the first response byte (connect failure, reset before the head, 503 with
     * {@code Retry-After}) on another allowed upstream: at most {@code maxRetries} per request, and
     * over the pool at most {@code budgetPercent} % of requests plus {@code minPerSecond} a second.
     */
    public record Retries(int maxRetries, int budgetPercent, int minPerSecond) {
        public static final Retries DEFAULTS = new Retries(2, 20, 3);
    }
}
