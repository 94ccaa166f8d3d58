package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** Every rate-limit test again, with the limits kept in Redis (the {@code redis} limiter store). */
class RedisRateLimitTest extends RateLimitTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }
}
