package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** Every compute-admission test again, with the limits kept in Redis (the {@code redis} limiter store). */
class RedisComputeAdmissionTest extends ComputeAdmissionTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }
}
