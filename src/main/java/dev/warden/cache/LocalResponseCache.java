package dev.warden.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warden.config.CacheSettings;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cached answers in this process: one Caffeine cache per tenant, bounded by the tenant's tier
 * ({@code maxBytes}, weighed by body size; entries expire {@code ttlSeconds} after they were
 * written). A tenant whose tier settings changed starts with an empty cache.
 */
public final class LocalResponseCache implements ResponseCache {
    private record TenantCache(CacheSettings settings, Cache<String, CachedAnswer> entries) {
    }

    private final ConcurrentHashMap<String, TenantCache> tenants = new ConcurrentHashMap<>();

    private Cache<String, CachedAnswer> of(String tenant, CacheSettings settings) {
        TenantCache t = tenants.get(tenant);
        if (t == null || !t.settings().equals(settings)) {
            t = tenants.compute(tenant, (id, old) -> old != null && old.settings().equals(settings) ? old
                    : new TenantCache(settings, Caffeine.newBuilder()
                            .executor(Runnable::run) // evictions run at once, on the caller: the bound holds when put returns
                            .maximumWeight(settings.maxBytes())
                            .weigher((String k, CachedAnswer v) -> v.weight())
                            .expireAfterWrite(Duration.ofSeconds(settings.ttlSeconds()))
                            .build()));
        }
        return t.entries();
    }

    @Override
    public Future<CachedAnswer> get(String tenant, String key, CacheSettings settings) {
        return Future.succeededFuture(of(tenant, settings).getIfPresent(key));
    }

    @Override
    public void put(String tenant, String key, CachedAnswer answer, CacheSettings settings) {
        of(tenant, settings).put(key, answer);
    }

    /** Bytes held for a tenant (tests, metrics). */
    public long weight(String tenant) {
        TenantCache t = tenants.get(tenant);
        return t == null ? 0 : t.entries().policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }
}
