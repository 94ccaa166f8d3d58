package dev.warden.admission.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.config.Budget;
import dev.warden.config.LimiterSettings;
import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import dev.warden.problem.ErrorCode;
import dev.warden.testing.RedisService;
import dev.warden.testing.TcpProxy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admissions of one tenant that arrive on one event loop while its call to Redis is in flight go
 * together in the next call of {@code admit.lua}; each must still be decided alone and in order,
 * against what the ones before it took. Here every admission is made in one turn of the loop, so
 * the first goes alone and the rest wait for it: exactly two round trips, whatever the count.
 */
class RedisAdmissionBatchTest {
    private Vertx vertx;
    /** Everything runs on this one context: one event loop, one connection to Redis, so what it sends arrives in order. */
    private Context loop;
    private RedisLimiterStore store;

    @BeforeEach
    void start() throws Exception {
        RedisService.require();
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        store = open(RedisService.URL, 2000);
    }

    private RedisLimiterStore open(String url, int timeoutMs) throws Exception {
        LimiterSettings settings = new LimiterSettings("redis", url, RedisService.freshNamespace(), 60, timeoutMs, false);
        RedisLimiterStore opened = RedisLimiterStore.start(vertx, settings, null).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertThat(opened.up()).isTrue();
        return opened;
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBurstInOneTurnIsDecidedInOrderInTwoRoundTrips() throws Exception {
        // 600 a minute with 2 s of burst: 20 at once, then one per 100 ms
        RateLimits limits = limits(new RateLimits.Rate(600, 0), 0);
        List<LimiterStore.Answer> answers = admitInOneTurn(ask("acme", limits, null, List.of()), 50);

        int admitted = 0;
        for (int i = 0; i < answers.size(); i++) {
            LimiterStore.Answer a = answers.get(i);
            if (a.hold() != null) {
                assertThat(i).as("admitted in order: no refusal before an admission").isEqualTo(admitted);
                admitted++;
            } else {
                assertThat(a.refusal().code()).isEqualTo(ErrorCode.RATE_LIMITED);
                assertThat(a.retryAfterSeconds()).isPositive();
            }
        }
        assertThat(admitted).as("the burst, and at most one more the rate refilled meanwhile").isBetween(20, 21);
        assertThat(answers.get(0).policies()).singleElement().satisfies(p -> assertThat(p.quota()).isEqualTo(20));
        assertThat(store.admissionsSent()).isEqualTo(50);
        assertThat(store.roundTrips().get("admit").sum()).as("the first alone, the 49 behind it in one call").isEqualTo(2);
    }

    @Test
    void concurrencyCountsTheSeatsTakenEarlierInTheSameCall() throws Exception {
        RateLimits limits = limits(RateLimits.Rate.NONE, 5);
        LimiterStore.Ask ask = ask("globex", limits, null, List.of());
        List<LimiterStore.Answer> first = admitInOneTurn(ask, 12);
        assertThat(first.subList(0, 5)).allSatisfy(a -> assertThat(a.hold()).isNotNull());
        assertThat(first.subList(5, 12)).allSatisfy(a -> assertThat(a.refusal().code()).isEqualTo(ErrorCode.CONCURRENCY_LIMITED));

        settleOnLoop(first.subList(0, 5), 0); // the five end: their seats come back
        List<LimiterStore.Answer> second = admitInOneTurn(ask, 7);
        assertThat(second.stream().filter(a -> a.hold() != null).count()).isEqualTo(5);
        assertThat(store.roundTrips().get("admit").sum()).isEqualTo(4);
    }

    @Test
    void aQuotaReservesEachAdmissionsWorstCaseAndSettlesWhatWasUsed() throws Exception {
        // 250 tokens at worst per request against a daily quota of 1,000: four fit
        BudgetBook.Allowance daily = new BudgetBook.Allowance(Budget.Period.DAY, 1000, true, true);
        CostEstimate estimate = new CostEstimate(100, 150, 0, 250, 150, false);
        LimiterStore.Ask ask = ask("initech", limits(RateLimits.Rate.NONE, 0), estimate, List.of(daily));
        List<LimiterStore.Answer> answers = admitInOneTurn(ask, 8);
        assertThat(answers.subList(0, 4)).allSatisfy(a -> assertThat(a.hold()).isNotNull());
        assertThat(answers.subList(4, 8)).allSatisfy(a -> assertThat(a.refusal().code()).isEqualTo(ErrorCode.QUOTA_EXHAUSTED));

        // two end having used 50 tokens each: 1,000 - 2 x 250 still reserved - 100 used leaves room for one more
        settleOnLoop(answers.subList(0, 2), 50);
        List<LimiterStore.Answer> more = admitInOneTurn(ask, 3);
        assertThat(more.get(0).hold()).isNotNull();
        assertThat(more.subList(1, 3)).allSatisfy(a -> assertThat(a.refusal().code()).isEqualTo(ErrorCode.QUOTA_EXHAUSTED));
    }

    @Test
    void keysOfOneTenantShareACallAndEachKeepsItsOwnBucket() throws Exception {
        // the tenant: 600 a minute, the key: 300, each with 2 s of burst (20 and 10): two shapes in one call
        RateLimits limits = new RateLimits(new RateLimits.Rate(600, 0), new RateLimits.Rate(300, 0), RateLimits.Rate.NONE, Map.of(),
                0, 0, 2, 0, 1, false, false, true);
        List<LimiterStore.Ask> asks = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // key-1, key-2, key-1, ... interleaved
            asks.add(new LimiterStore.Ask(new Limiter.Caller("acme", "key-" + (i % 2 + 1), null, "gpt-sim"), limits, null, 0, List.of()));
        }
        List<LimiterStore.Answer> answers = answersInOneTurn(asks);
        assertThat(store.fallbackAdmissions()).isZero();
        for (int key = 0; key < 2; key++) {
            int admitted = 0;
            for (int i = key; i < answers.size(); i += 2) {
                if (answers.get(i).hold() != null) {
                    assertThat(i / 2).as("each key admitted in order").isEqualTo(admitted);
                    admitted++;
                } else {
                    assertThat(answers.get(i).refusal().code()).isEqualTo(ErrorCode.RATE_LIMITED);
                }
            }
            assertThat(admitted).as("key-%d: its own burst of 10, and at most one more refilled", key + 1).isBetween(10, 11);
        }
        assertThat(answers.get(0).policies()).extracting(Limiter.Policy::quota).containsExactly(20L, 10L);
        assertThat(store.roundTrips().get("admit").sum()).as("the first alone, the 39 behind it in one call").isEqualTo(2);
    }

    @Test
    void tenantsAreNeverMixedInOneCall() throws Exception {
        RateLimits limits = limits(new RateLimits.Rate(600, 0), 0);
        List<LimiterStore.Ask> asks = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // interleaved: each tenant has its own burst of 20
            asks.add(ask(i % 2 == 0 ? "acme" : "globex", limits, null, List.of()));
        }
        List<LimiterStore.Answer> answers = answersInOneTurn(asks);
        assertThat(answers).allSatisfy(a -> assertThat(a.hold()).as("15 each, within each burst").isNotNull());
        assertThat(store.roundTrips().get("admit").sum()).as("each tenant: its first alone, then the rest").isEqualTo(4);
    }

    @Test
    void aCallThatTimesOutFailsTheAdmissionsWaitingBehindItAtOnce() throws Exception {
        try (TcpProxy relay = new TcpProxy("127.0.0.1", 6379)) {
            store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            store = open("redis://127.0.0.1:" + relay.port(), 300);
            LimiterStore.Ask ask = ask("acme", limits(new RateLimits.Rate(600, 0), 0), null, List.of());
            assertThat(admitInOneTurn(ask, 1).get(0).hold()).isNotNull(); // this loop's connection is open

            relay.stall(); // Redis hangs: the next call is never answered
            List<LimiterStore.Answer> answers = answersInOneTurn(Collections.nCopies(20, ask));
            assertThat(answers).allSatisfy(a -> assertThat(a.hold() != null || a.refusal() != null).isTrue());
            assertThat(store.roundTrips().get("admit").sum()).as("the 19 behind the hung call were never sent").isEqualTo(2);
            assertThat(store.fallbackAdmissions()).as("all 20 decided on this replica's share").isEqualTo(20);
            assertThat(store.up()).isFalse();
        }
    }

    private List<LimiterStore.Answer> admitInOneTurn(LimiterStore.Ask ask, int count) throws Exception {
        List<LimiterStore.Answer> answers = answersInOneTurn(Collections.nCopies(count, ask));
        assertThat(store.fallbackAdmissions()).as("decided in Redis, not on this replica's share").isZero();
        return answers;
    }

    /** Every ask made in one turn of the loop, in order; their answers, whenever they come. */
    private List<LimiterStore.Answer> answersInOneTurn(List<LimiterStore.Ask> asks) throws Exception {
        CompletableFuture<List<LimiterStore.Answer>> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            List<Future<LimiterStore.Answer>> all = asks.stream().map(store::admit).toList();
            Future.join(all).onComplete(ar -> done.complete(all.stream().map(Future::result).toList()));
        });
        List<LimiterStore.Answer> answers = done.get(10, TimeUnit.SECONDS);
        assertThat(answers).hasSize(asks.size()).doesNotContainNull();
        return answers;
    }

    /**
     * Ends these requests on the loop: their settlements go in its next turn, on its connection,
     * so Redis has them before any admission made afterwards on the same loop.
     */
    private void settleOnLoop(List<LimiterStore.Answer> answers, long tokensUsed) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            answers.forEach(a -> a.hold().settle(new LimiterStore.Used(tokensUsed, 0, 0)));
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
        assertThat(store.droppedSettlements()).isZero();
    }

    private static RateLimits limits(RateLimits.Rate tenant, int concurrency) {
        return new RateLimits(tenant, RateLimits.Rate.NONE, RateLimits.Rate.NONE, Map.of(), 0, 0, 2, concurrency, 1, false, false, true);
    }

    private static LimiterStore.Ask ask(String tenant, RateLimits limits, CostEstimate estimate, List<BudgetBook.Allowance> quotas) {
        return new LimiterStore.Ask(new Limiter.Caller(tenant, "key-1", null, "gpt-sim"), limits, estimate, 0, quotas);
    }
}
