package dev.warden.config;

/**
 * Where cached answers live: {@code local} (in this process) or {@code redis} (shared by every
 * replica; keys {@code {namespace:tenant}:cache:...}).
 */
public record CacheStoreSettings(boolean redis, String redisUrl, String namespace) {
    public static final CacheStoreSettings LOCAL = new CacheStoreSettings(false, "redis://127.0.0.1:6379", "warden");

    /** The Redis URL without its credentials, for logs. */
    public String redactedRedisUrl() {
        return LimiterSettings.redact(redisUrl);
    }

    @Override
    public String toString() {
        return "CacheStoreSettings[store=" + (redis ? "redis" : "local") + ", redisUrl=" + redactedRedisUrl() + ", namespace=" + namespace + "]";
    }
}
