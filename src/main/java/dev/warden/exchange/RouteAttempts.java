package dev.warden.exchange;

/**
 * The upstream attempts of one request, handed by Route to Forward: the current attempt's
 * upstream, how it ended (for its circuit breaker, its load count and the metrics), and another
 * allowed upstream for a retry when the rules allow one. Every upstream offered lies in the
 * tenant's allowed regions: a retry never leaves them.
 */
public interface RouteAttempts {

    /** How an attempt ended, as its upstream's health sees it. */
    enum Result {
        /** An answer (any status below 500). */
        OK,
        /** No connection, a reset, a timeout, a 5xx, a broken or foreign answer. */
        FAILED,
        /** Ended for reasons that say nothing about the upstream (the client left). */
        NEUTRAL
    }

    /** The route of the current attempt. */
    SelectedRoute current();

    /** The current attempt's upstream answered 429 with {@code Retry-After}: it rests {@code millis} (capped), for every request. */
    void coolDown(long millis);

    /** Ends the current attempt (idempotent: the first report counts). */
    void report(Result result);

    /**
     * Ends the current attempt as failed and, if a retry is allowed (attempts left, the pool's
     * retry budget, another available upstream not tried yet), makes it the current attempt and
     * returns its route; otherwise null. {@code reason} labels the retry metric.
     */
    SelectedRoute retry(String reason);

    /**
     * Ends the current attempt as failed and moves to the tenant's next fallback model that can
     * answer (same region, within what admission reserved), making its first attempt current;
     * null when there is none. The fallback's price is what the request is charged.
     */
    SelectedRoute fallback();
}
