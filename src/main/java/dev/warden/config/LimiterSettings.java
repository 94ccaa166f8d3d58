package dev.warden.config;

/**
 * Where admission keeps its counters (rates, requests in flight, budget and quota reservations).
 *
 * @param store         {@code local}: in this process (one replica); {@code redis}: shared by every
 *                      replica through one Redis, one Lua script per admission
 * @param redis         the Redis of the {@code redis} store: one server, a Cluster or a Sentinel-watched master
 * @param namespace     the prefix of every key ({@code {namespace:tenant}:...}), so replicas of
 *                      different deployments can share one Redis
 * @param holdTtlSeconds how long an admitted request's hold (its seat and budget reservations)
 *                      lasts without renewal: a crashed replica's holds come back after this
 * @param timeoutMs     an admission that Redis has not answered within this is decided as if Redis
 *                      were down (and Redis is then probed before it is used again)
 * @param leases        each replica admits on leases (slices of a tenant's rate buckets and seats
 *                      taken from Redis ahead of need) instead of asking Redis per request
 */
public record LimiterSettings(String store, RedisTarget redis, String namespace, int holdTtlSeconds, int timeoutMs,
                              boolean leases) {
    public static final LimiterSettings DEFAULTS = new LimiterSettings("local", "redis://127.0.0.1:6379", "w", 60, 250, true);

    /** On one Redis server at {@code redisUrl}. */
    public LimiterSettings(String store, String redisUrl, String namespace, int holdTtlSeconds, int timeoutMs, boolean leases) {
        this(store, RedisTarget.standalone(redisUrl), namespace, holdTtlSeconds, timeoutMs, leases);
    }

    /** The (first) Redis URL. */
    public String redisUrl() {
        return redis.url();
    }

    public boolean redisStore() {
        return "redis".equals(store);
    }

    /** The Redis target without its credentials (logs). */
    public String redactedRedisUrl() {
        return redis.redacted();
    }

    /** A Redis URL without its credentials, for logs. */
    static String redact(String redisUrl) {
        return redisUrl.replaceAll("//[^@/]*@", "//<redacted>@");
    }

    @Override
    public String toString() {
        return "LimiterSettings[store=" + store + ", redisUrl=" + redactedRedisUrl()
                + ", namespace=" + namespace + ", holdTtlSeconds=" + holdTtlSeconds + ", timeoutMs=" + timeoutMs + ", leases=" + leases + "]";
    }
}
