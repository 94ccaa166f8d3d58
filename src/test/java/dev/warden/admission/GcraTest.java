package dev.warden.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GCRA on a simulated clock: bursts, the long-run rate, weighted costs, refunds; the limiter over it. */
class GcraTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aBurstThenTheRate() {
        Gcra g = new Gcra();
        long t = 1_000 * S;
        for (int i = 0; i < 10; i++) {
            assertThat(g.take("a", 1, 60, 10, t).allowed()).as("request %d of the burst", i).isTrue();
        }
        Gcra.Decision refused = g.take("a", 1, 60, 10, t);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(S);
        assertThat(g.take("b", 1, 60, 10, t).allowed()).as("another key has its own bucket").isTrue();
        assertThat(g.take("a", 1, 60, 10, t + S).allowed()).isTrue();
        assertThat(g.take("a", 1, 60, 10, t + S).allowed()).isFalse();
    }

    @Test
    void bucketsThatStartEmptyBankNoBurstAndStartEmptyAgainOnceForgotten() {
        Gcra g = new Gcra(true);
        long t = 1_000 * S;
        assertThat(g.take("a", 1, 60, 10, t).allowed()).as("no burst at the first use").isFalse();
        assertThat(g.take("a", 1, 60, 10, t + S).allowed()).as("one a second, the rate").isTrue();
        assertThat(g.take("a", 1, 60, 10, t + S).allowed()).isFalse();
        int admitted = 0;
        for (long now = t + S; now < t + 31 * S; now += S / 10) { // 30 s at 10 tries a second against 1 a second
            admitted += g.take("a", 1, 60, 10, now).allowed() ? 1 : 0;
        }
        assertThat(admitted).as("the rate alone, never a burst").isBetween(29, 30);
        g.clear();
        assertThat(g.take("a", 1, 60, 10, t + 100 * S).allowed()).as("forgotten: empty again, whatever time passed").isFalse();
        int late = 0;
        for (int i = 0; i < 5; i++) {
            late += g.take("a", 1, 60, 10, t + 100 * S + 3 * S).allowed() ? 1 : 0;
        }
        assertThat(late).as("three seconds of the rate refilled three, no more").isEqualTo(3);
    }

    @Test
    void bucketsEmptiedAtAMomentHaveRefilledSinceWhenFirstUsed() {
        Gcra g = new Gcra(true);
        long t = 1_000 * S;
        g.clear(t); // an outage began at t; the first use of its buckets comes 4 s later (a lease bridged them)
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += g.take("a", 1, 60, 10, t + 4 * S).allowed() ? 1 : 0;
        }
        assertThat(admitted).as("four seconds of the rate since the bucket was emptied, not none").isEqualTo(4);
        g.clear(t + 100 * S);
        assertThat(g.take("b", 1, 60, 10, t + 100 * S).allowed()).as("emptied just now: nothing yet").isFalse();
    }

    @Test
    void overAMinuteAboveTheLimitTheAdmittedCountIsRateTimesTimePlusBurst() {
        Gcra g = new Gcra();
        long start = 5_000 * S;
        int admitted = 0;
        for (long t = start; t < start + 60 * S; t += S / 10) { // 10 attempts a second against 1 a second
            if (g.take("a", 1, 60, 10, t).allowed()) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(60 + 10 - 1, 60 + 10);
    }

    @Test
    void costsWeighTheBucketAndUnusedUnitsComeBack() {
        Gcra g = new Gcra();
        long t = 100 * S;
        // 6,000 tokens a minute (100 a second), burst 1,000
        assertThat(g.take("a", 800, 6000, 1000, t).allowed()).isTrue();
        assertThat(g.take("a", 300, 6000, 1000, t).allowed()).isFalse();
        g.refund("a", 600, 6000, t); // the request used 200 of its 800
        assertThat(g.take("a", 300, 6000, 1000, t).allowed()).isTrue();
        // a request larger than the burst passes into an empty bucket only, and pays in full
        Gcra h = new Gcra();
        assertThat(h.take("a", 2500, 6000, 1000, t).allowed()).isTrue();
        assertThat(h.take("a", 1, 6000, 1000, t + 14 * S).allowed()).as("still paying for 2,500").isFalse();
        assertThat(h.take("a", 1, 6000, 1000, t + 16 * S).allowed()).isTrue();
        // a refund never makes credit out of idle time
        Gcra k = new Gcra();
        k.take("a", 10, 6000, 1000, t);
        k.refund("a", 10_000, 6000, t + 60 * S);
        for (int i = 0; i < 10; i++) {
            assertThat(k.take("a", 100, 6000, 1000, t + 60 * S).allowed()).isTrue();
        }
        assertThat(k.take("a", 100, 6000, 1000, t + 60 * S).allowed()).isFalse();
    }

    @Test
    void theLimiterAdmitsAgainstEveryLimitOrNone() {
        Limiter limiter = new Limiter();
        RateLimits limits = new RateLimits(600, 6000, 0, 0, 10, 2, true); // burst: 100 requests, 1,000 tokens
        CostEstimate big = new CostEstimate(100, 500, 0, 0, 500, false);
        long t = 10 * S;
        Limiter.Decision first = limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, big, t);
        Limiter.Decision second = limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, new CostEstimate(100, 300, 0, 0, 300, false), t);
        assertThat(first.refusal()).isNull();
        assertThat(second.refusal()).isNull();
        Limiter.Decision third = limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, new CostEstimate(1, 1, 0, 0, 1, false), t);
        assertThat(third.refusal().code().code()).as("two in flight").isEqualTo("concurrency_limited");
        limiter.settle(first.reservation(), 150, 0, t); // used 150 of 600: 450 tokens and its seat come back
        Limiter.Decision fourth = limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, new CostEstimate(100, 350, 0, 0, 350, false), t);
        assertThat(fourth.refusal()).as("fits after the refund").isNull();
        limiter.settle(second.reservation(), 400, 0, t);
        Limiter.Decision tooMany = limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, new CostEstimate(100, 400, 0, 0, 400, false), t);
        assertThat(tooMany.refusal().code().code()).isEqualTo("rate_limited");
        assertThat(tooMany.retryAfterSeconds()).isPositive();
        assertThat(tooMany.policies()).extracting(Limiter.Policy::name).containsExactly("tenant-requests", "tenant-tokens");
        // the refused request took nothing: its request unit was given back
        assertThat(limiter.admit(new Limiter.Caller("acme", "k1", null, null), limits, new CostEstimate(0, 0, 0, 0, 0, false), t).policies().get(0).remaining())
                .isEqualTo(100 - 4);

        RateLimits shadow = new RateLimits(60, 0, 0, 0, 1, 0, false); // burst 1
        assertThat(limiter.admit(new Limiter.Caller("globex", "k2", null, null), shadow, big, t).refusal()).isNull();
        assertThat(limiter.admit(new Limiter.Caller("globex", "k2", null, null), shadow, big, t).refusal()).as("shadow mode refuses nothing").isNull();
        assertThat(limiter.refusals().get("rate_limited|shadow").sum()).isEqualTo(1);
    }

    @Test
    void endUsersAndModelsHaveTheirOwnBuckets() {
        Limiter limiter = new Limiter();
        RateLimits limits = new RateLimits(RateLimits.Rate.NONE, RateLimits.Rate.NONE, new RateLimits.Rate(60, 0),
                Map.of("gpt-sim", new RateLimits.Rate(120, 0)), 0, 0, 2, 0, 1, false, false, true); // bursts: 2 per user, 4 per model
        CostEstimate c = new CostEstimate(1, 1, 0, 0, 1, false);
        long t = 50 * S;
        assertThat(limiter.admit(new Limiter.Caller("acme", "k", "alice", "echo"), limits, c, t).refusal()).isNull();
        assertThat(limiter.admit(new Limiter.Caller("acme", "k", "alice", "echo"), limits, c, t).refusal()).isNull();
        Limiter.Decision third = limiter.admit(new Limiter.Caller("acme", "k", "alice", "echo"), limits, c, t);
        assertThat(third.refusal().reason()).isEqualTo("rate_limited:user-requests");
        assertThat(limiter.admit(new Limiter.Caller("acme", "k", "bob", "echo"), limits, c, t).refusal()).as("bob's own bucket").isNull();
        assertThat(limiter.admit(new Limiter.Caller("acme", "k", null, "echo"), limits, c, t).refusal()).as("no user named").isNull();
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.admit(new Limiter.Caller("acme", "k", null, "gpt-sim"), limits, c, t).refusal()).isNull();
        }
        Limiter.Decision model = limiter.admit(new Limiter.Caller("acme", "k", null, "gpt-sim"), limits, c, t);
        assertThat(model.refusal().reason()).isEqualTo("rate_limited:model-requests");
        assertThat(limiter.admit(new Limiter.Caller("globex", "k", null, "gpt-sim"), limits, c, t).refusal())
                .as("another tenant's model bucket").isNull();
    }

    @Test
    void aComputeRateAdmitsNTimesTheRequestsOfAModelWeightedNAndRefundsWhatWasNotUsed() {
        Limiter limiter = new Limiter();
        // 6,000 compute units a minute, a burst of 60 s: 6,000 units at once
        RateLimits limits = new RateLimits(new RateLimits.Rate(0, 0, 6_000), RateLimits.Rate.NONE, RateLimits.Rate.NONE, Map.of(),
                0, 0, 60, 0, 1, false, false, true);
        long t = 100 * S;
        int light = 0;
        int heavy = 0;
        // the same request: 100 tokens worst case; 100 compute units on a light model, 400 on one weighted 4
        while (limiter.admit(new Limiter.Caller("light", "k", null, "small"), limits, new CostEstimate(50, 50, 0, 100, 50, false), t)
                .refusal() == null) {
            light++;
        }
        Limiter.Decision refused;
        while ((refused = limiter.admit(new Limiter.Caller("heavy", "k", null, "big"), limits,
                new CostEstimate(50, 50, 0, 400, 50, false), t)).refusal() == null) {
            heavy++;
        }
        assertThat(light).isEqualTo(60);
        assertThat(heavy).isEqualTo(15);
        assertThat(refused.refusal().reason()).isEqualTo("rate_limited:tenant-compute");
        assertThat(refused.policies()).extracting(Limiter.Policy::name).containsExactly("tenant-compute");

        // a request reserved 400 units and used 100 (25 tokens x 4): 300 come back, room for 0.75 of another
        Limiter fresh = new Limiter();
        Limiter.Decision first = fresh.admit(new Limiter.Caller("heavy", "k", null, "big"), limits,
                new CostEstimate(50, 50, 0, 4_000, 50, false), t);
        assertThat(fresh.admit(new Limiter.Caller("heavy", "k", null, "big"), limits, new CostEstimate(50, 50, 0, 2_300, 50, false), t)
                .refusal()).as("4,000 + 2,300 > 6,000").isNotNull();
        fresh.settle(first.reservation(), 25, 1_000, t);
        assertThat(fresh.admit(new Limiter.Caller("heavy", "k", null, "big"), limits, new CostEstimate(50, 50, 0, 2_300, 50, false), t)
                .refusal()).as("1,000 used + 2,300 fits").isNull();
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
