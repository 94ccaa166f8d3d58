package dev.warden.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.admission.Limiter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pacing: only when a hard budget is projected to run out early; then what is left, spread evenly. */
class BudgetPacingTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void aBudgetRunningOutEarlyIsPacedToWhatIsLeftOverWhatIsLeftOfThePeriod() {
        Budget day = new Budget(Budget.Period.DAY, 10_000, 80, true, true);
        long start = Budget.Period.DAY.startMs(System.currentTimeMillis());
        long now = start + 12 * HOUR;
        // 6,000 spent, 2,000 in the last hour: runs out in 2 h, 12 h early
        BudgetStatus fast = BudgetStatus.of("acme", day, now, 6_000, 400, 2_000, HOUR);
        assertThat(fast.projectedToExhaust()).isTrue();
        long pace = BudgetPacing.microsPerMinute(List.of(fast), now);
        assertThat(pace).as("(10,000 - 6,000 - 400) over 720 minutes").isEqualTo(3_600 / 720);
        // on track: no pacing at all
        BudgetStatus calm = BudgetStatus.of("acme", day, now, 3_000, 0, 200, HOUR);
        assertThat(BudgetPacing.microsPerMinute(List.of(calm), now)).isZero();
        // a soft budget alerts, it does not pace
        BudgetStatus soft = BudgetStatus.of("acme", new Budget(Budget.Period.DAY, 10_000, 80, false, true), now, 6_000, 0, 2_000, HOUR);
        assertThat(BudgetPacing.microsPerMinute(List.of(soft), now)).isZero();
    }

    @Test
    void thePacedBucketAdmitsItsBurstThenTheEvenRate() {
        Limiter limiter = new Limiter();
        long t = 10_000_000_000L;
        // paced to 60 micros a minute (1 a second), burst of 10 s = 10 micros; requests of 4 micros
        assertThat(limiter.pace("acme", 4, 60, 10, true, t).refusal()).isNull();
        assertThat(limiter.pace("acme", 4, 60, 10, true, t).refusal()).isNull();
        Limiter.Decision third = limiter.pace("acme", 4, 60, 10, true, t);
        assertThat(third.refusal().reason()).isEqualTo("rate_limited:budget-pacing");
        assertThat(third.retryAfterSeconds()).isBetween(1L, 3L);
        assertThat(limiter.pace("acme", 4, 60, 10, true, t + 4_000_000_000L).refusal()).as("4 s later: 4 micros more").isNull();
        assertThat(limiter.pace("acme", 4, 60, 10, false, t + 4_000_000_000L).refusal()).as("shadow mode").isNull();
    }
}
