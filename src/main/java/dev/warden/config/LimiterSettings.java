package dev.warden.config;

/**
 * Where admission keeps its counters (rates, requests in flight, budget and quota reservations).
 *
 * @param store         {@code local}: in this process (one replica); {@code redis}: shared by every
 *                      replica through one Redis, one Lua script per admission
 * @param redisUrl      {@code redis://[:password@]host[:port][/db]} (the {@code redis} store)
 * @param namespace     the prefix of every key ({@code {namespace:tenant}:...}), so replicas of
 *                      different deployments can share one Redis
 * @param holdTtlSeconds how long an admitted request's hold (its seat and budget reservations)
 *                      lasts without renewal: a crashed replica's holds come back after this
 * @param timeoutMs     an admission that Redis has not answered within this is decided as if Redis
 *                      were down (and Redis is then probed before it is used again)
 */
public record LimiterSettings(String store, String redisUrl, String namespace, int holdTtlSeconds, int timeoutMs) {
    public static final LimiterSettings DEFAULTS = new LimiterSettings("local", "redis://127.0.0.1:6379", "w", 60, 250);

    public boolean redis() {
        return "redis".equals(store);
    }

    /** The Redis URL without its credentials (logs). */
    public String redactedRedisUrl() {
        return redact(redisUrl);
    }

    /** A Redis URL without its credentials, for logs. */
    static String redact(String redisUrl) {
        return redisUrl.replaceAll("//[^@/]*@", "//<redacted>@");
    }

    @Override
    public String toString() {
        return "LimiterSettings[store=" + store + ", redisUrl=" + redactedRedisUrl()
                + ", namespace=" + namespace + ", holdTtlSeconds=" + holdTtlSeconds + ", timeoutMs=" + timeoutMs + "]";
    }
}
