package dev.warden.config;

/**
 * Where cached answers live: {@code local} (in this process) or {@code redis} (shared by every
 * replica; keys {@code {namespace:tenant}:cache:...}).
 */
public record CacheStoreSettings(boolean redis, RedisTarget target, String namespace) {
    public static final CacheStoreSettings LOCAL = new CacheStoreSettings(false, "redis://127.0.0.1:6379", "warden");

    /** On one Redis server at {@code redisUrl}. */
    public CacheStoreSettings(boolean redis, String redisUrl, String namespace) {
        this(redis, RedisTarget.standalone(redisUrl), namespace);
    }

    /** The (first) Redis URL. */
    public String redisUrl() {
        return target.url();
    }

    /** The Redis target without its credentials, for logs. */
    public String redactedRedisUrl() {
        return target.redacted();
    }

    @Override
    public String toString() {
        return "CacheStoreSettings[store=" + (redis ? "redis" : "local") + ", redisUrl=" + redactedRedisUrl() + ", namespace=" + namespace + "]";
    }
}
