package dev.warden.e2e;

import dev.warden.testing.RedisService;

/** The job budget test again, with the budgets' accounts in Redis (the {@code redis} limiter store). */
class RedisJobBudgetTest extends JobBudgetTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }
}
