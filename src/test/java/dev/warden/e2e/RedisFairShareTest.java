package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** Every fair-share test again, with the pool's seats and fair turns kept in Redis (the {@code redis} limiter store). */
class RedisFairShareTest extends FairShareTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }
}
