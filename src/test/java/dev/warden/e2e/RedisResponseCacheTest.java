package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** Every response cache test again, with the answers kept in Redis ({@code cache.store: redis}). */
class RedisResponseCacheTest extends ResponseCacheTest {
    @Override
    protected String cacheStoreYaml() {
        RedisService.require();
        return "\ncache: { store: redis, redis: \"" + RedisService.URL + "\", namespace: " + RedisService.freshNamespace() + " }\n";
    }
}
