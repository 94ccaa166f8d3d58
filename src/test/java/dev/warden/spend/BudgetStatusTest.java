package dev.warden.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Budget;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forecast (spend plus what admission has reserved, run out at the recent rate) and the pacing it drives. */
class BudgetStatusTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void reservationsBringTheProjectedExhaustionForward() {
        Budget day = new Budget(Budget.Period.DAY, 1000, 80, true, true);
        long start = Budget.Period.DAY.startMs(System.currentTimeMillis());
        long now = start + 2 * HOUR;
        // 400 spent, 100 of it in the last hour: 100 an hour
        BudgetStatus plain = BudgetStatus.of("acme", day, now, 400, 0, 100, HOUR);
        assertThat(plain.exhaustionAtMs()).isEqualTo(now + 6 * HOUR);
        assertThat(plain.projectedMicros()).isEqualTo(400 + 100 * 22);
        BudgetStatus reserved = BudgetStatus.of("acme", day, now, 400, 300, 100, HOUR);
        assertThat(reserved.exhaustionAtMs()).as("(1000 - 400 - 300) / 100 an hour").isEqualTo(now + 3 * HOUR);
        assertThat(reserved.projectedMicros()).isEqualTo(700 + 100 * 22);
        assertThat(reserved.reservedMicros()).isEqualTo(300);
        assertThat(reserved.exhausted()).as("reserved is not yet spent").isFalse();
        assertThat(reserved.projectedToExhaust()).isTrue();
    }

    @Test
    void aBudgetRunningOutEarlyIsPacedToWhatIsLeftOverWhatIsLeftOfThePeriod() {
        Budget day = new Budget(Budget.Period.DAY, 10_000, 80, true, true);
        long now = Budget.Period.DAY.startMs(System.currentTimeMillis()) + 12 * HOUR;
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
    void aSurgeInTheLastMinutesBringsTheForecastForwardBeforeTheHourlyRateSeesIt() {
        Budget day = new Budget(Budget.Period.DAY, 10_000, 80, true, true);
        long now = Budget.Period.DAY.startMs(System.currentTimeMillis()) + 12 * HOUR;
        long fiveMinutes = 300_000L;
        // 1,000 in the last hour, 900 of it in the last five minutes: 1,000 an hour, or 10,800 an hour now
        BudgetStatus surge = BudgetStatus.of("acme", day, now, 4_000, 0, 1_000, HOUR, 900, fiveMinutes);
        assertThat(surge.ratePerHourMicros()).isEqualTo(1_000);
        assertThat(surge.shortRatePerHourMicros()).isEqualTo(10_800);
        assertThat(surge.exhaustionAtMs()).as("6,000 left at 10,800 an hour: 2,000 s").isEqualTo(now + 2_000_000L);
        assertThat(surge.projectedToExhaust()).isTrue();
        assertThat(BudgetStatus.of("acme", day, now, 4_000, 0, 1_000, HOUR).exhaustionAtMs())
                .as("the hourly rate alone: 6 h, while the surge empties it in 33 minutes").isEqualTo(now + 6 * HOUR);
        // a lull in the last minutes does not hide the hour's steady spend
        BudgetStatus lull = BudgetStatus.of("acme", day, now, 4_000, 0, 1_000, HOUR, 0, fiveMinutes);
        assertThat(lull.exhaustionAtMs()).isEqualTo(now + 6 * HOUR);
    }
}
