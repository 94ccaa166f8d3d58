package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** Every budget test again, with the reservations kept in Redis (the {@code redis} limiter store). */
class RedisBudgetEnforcementTest extends BudgetEnforcementTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }
}
