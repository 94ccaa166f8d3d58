package dev.warden.cache;

import dev.warden.config.CacheSettings;
import io.vertx.core.Future;

/**
 * Where cached answers are kept: per tenant, always (the tenant is part of every lookup and every
 * key; one tenant's limits never evict another's entries).
 */
public interface ResponseCache {

    /** The answer kept for {@code key}, or a null result when there is none (or the store cannot say). */
    Future<CachedAnswer> get(String tenant, String key, CacheSettings settings);

    /** Keeps {@code answer} for {@code settings.ttlSeconds()}, within the tenant's size limit. */
    void put(String tenant, String key, CachedAnswer answer, CacheSettings settings);

    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
