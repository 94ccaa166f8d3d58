package dev.warden.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Resilience;
import dev.warden.routing.CircuitBreaker.Permit;
import dev.warden.routing.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

/** The breaker's state machine on a driven clock. */
class CircuitBreakerTest {
    private static final long MS = 1_000_000L;
    private final CircuitBreaker breaker = new CircuitBreaker(new Resilience.Breaker(3, 100, 350));

    private void fail(long now) {
        breaker.failed(breaker.tryAcquire(now), now);
    }

    @Test
    void opensAfterTheConfiguredFailuresInARowOnly() {
        fail(0);
        fail(0);
        breaker.succeeded(breaker.tryAcquire(0)); // a good answer resets the run
        fail(0);
        fail(0);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        fail(0);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryAcquire(50 * MS)).isEqualTo(Permit.NONE);
        assertThat(breaker.mayAllow(50 * MS)).isFalse();
        assertThat(breaker.msUntilProbe(50 * MS)).isEqualTo(50);
        assertThat(breaker.openings()).isEqualTo(1);
    }

    @Test
    void halfOpenLetsOneProbeThroughAndItsAnswerDecides() {
        for (int i = 0; i < 3; i++) {
            fail(0);
        }
        assertThat(breaker.mayAllow(100 * MS)).isTrue();
        Permit probe = breaker.tryAcquire(100 * MS);
        assertThat(probe).isEqualTo(Permit.PROBE);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire(101 * MS)).as("one probe at a time").isEqualTo(Permit.NONE);
        breaker.succeeded(probe);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire(102 * MS)).isEqualTo(Permit.NORMAL);
    }

    @Test
    void aFailedProbeReopensForTwiceAsLongUpToTheCap() {
        for (int i = 0; i < 3; i++) {
            fail(0);
        }
        long now = 100 * MS;
        long[] expectedOpen = {200, 350, 350};
        for (long open : expectedOpen) {
            Permit probe = breaker.tryAcquire(now);
            assertThat(probe).isEqualTo(Permit.PROBE);
            breaker.failed(probe, now);
            assertThat(breaker.state()).isEqualTo(State.OPEN);
            assertThat(breaker.msUntilProbe(now)).isEqualTo(open);
            now += open * MS;
        }
        Permit probe = breaker.tryAcquire(now);
        breaker.succeeded(probe);
        for (int i = 0; i < 3; i++) {
            fail(now);
        }
        assertThat(breaker.msUntilProbe(now)).as("a close resets the open time").isEqualTo(100);
    }

    @Test
    void aProbeThatEndsForOtherReasonsFreesTheSlot() {
        for (int i = 0; i < 3; i++) {
            fail(0);
        }
        Permit probe = breaker.tryAcquire(100 * MS);
        breaker.released(probe);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire(100 * MS)).isEqualTo(Permit.PROBE);
    }

    @Test
    void answersOfRequestsStartedBeforeItOpenedChangeNothing() {
        Permit early = breaker.tryAcquire(0);
        for (int i = 0; i < 3; i++) {
            fail(0);
        }
        breaker.succeeded(early);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        breaker.failed(early, 0);
        assertThat(breaker.openings()).isEqualTo(1);
    }
}
