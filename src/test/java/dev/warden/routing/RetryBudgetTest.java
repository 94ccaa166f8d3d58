package dev.warden.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Resilience;
import org.junit.jupiter.api.Test;

/** The pool's retry budget: each tenant's share of its own requests, plus a shared floor per second, capped. */
class RetryBudgetTest {
    private static final long S = 1_000_000_000L;

    private static int drain(RetryBudget budget, long now) {
        return drain(budget, "acme", now);
    }

    private static int drain(RetryBudget budget, String tenant, long now) {
        int n = 0;
        while (budget.withdraw(tenant, now)) {
            n++;
        }
        return n;
    }

    @Test
    void requestsEarnTheirShareOfARetry() {
        RetryBudget budget = new RetryBudget(new Resilience.Retries(2, 20, 0), 0);
        assertThat(drain(budget, 0)).isZero();
        for (int i = 0; i < 50; i++) {
            budget.deposit("acme");
        }
        assertThat(drain(budget, 0)).as("20 % of 50 requests").isEqualTo(10);
    }

    @Test
    void theFloorRefillsEverySecondUpToTheCap() {
        RetryBudget budget = new RetryBudget(new Resilience.Retries(2, 0, 3), 0);
        assertThat(drain(budget, 0)).as("a fresh pool starts with one second's floor").isEqualTo(3);
        assertThat(drain(budget, S / 2)).isZero();
        assertThat(drain(budget, S)).isEqualTo(3);
        assertThat(drain(budget, 100 * S)).as("a long quiet spell banks at most ten seconds' worth").isEqualTo(30);
    }

    @Test
    void depositsStopAtTheCap() {
        RetryBudget budget = new RetryBudget(new Resilience.Retries(2, 100, 0), 0);
        for (int i = 0; i < 1000; i++) {
            budget.deposit("acme");
        }
        assertThat(drain(budget, 0)).isEqualTo(10);
    }

    @Test
    void aTenantsFailuresCannotSpendAnotherTenantsRetries() {
        RetryBudget budget = new RetryBudget(new Resilience.Retries(2, 20, 2), 0);
        for (int i = 0; i < 50; i++) {
            budget.deposit("quiet"); // earns 10 retries
        }
        for (int i = 0; i < 1000; i++) {
            budget.deposit("noisy"); // earns its capped 20
        }
        assertThat(drain(budget, "noisy", 0)).as("the noisy tenant: its own earnings, capped, then the shared floor").isEqualTo(22);
        assertThat(drain(budget, "quiet", 0)).as("the quiet tenant's own earnings are untouched").isEqualTo(10);
        assertThat(drain(budget, "newcomer", 0)).as("a tenant with no earnings has only the (spent) floor").isZero();
        assertThat(drain(budget, "newcomer", S)).isEqualTo(2);
    }
}
