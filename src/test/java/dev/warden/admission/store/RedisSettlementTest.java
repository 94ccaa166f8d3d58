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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the scripts do with holds that come back twice or empty: a settlement whose answer was lost
 * is sent again and counts once, and an expired hold that reserved nothing is released like any
 * other. Either used to make a script fail ({@code HINCRBY ... -0}: Redis reads "-0" as no
 * integer), and the store then went down, came back, failed again, for as long as the write stayed.
 */
class RedisSettlementTest {
    private static final BudgetBook.Allowance DAILY_1000 = new BudgetBook.Allowance(Budget.Period.DAY, 1000, true, true);
    private static final RateLimits NO_RATES = new RateLimits(RateLimits.Rate.NONE, RateLimits.Rate.NONE, RateLimits.Rate.NONE,
            Map.of(), 0, 0, 2, 0, 1, false, false, true);

    private Vertx vertx;
    private Context loop;
    private final List<RedisLimiterStore> stores = new ArrayList<>();
    private final String namespace = RedisService.freshNamespace();

    @BeforeEach
    void start() {
        RedisService.require();
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() throws Exception {
        for (RedisLimiterStore s : stores) {
            s.close().await(10, TimeUnit.SECONDS);
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private RedisLimiterStore open(String url, int holdTtlSeconds, int timeoutMs) throws Exception {
        RedisLimiterStore s = RedisLimiterStore.start(vertx, new LimiterSettings("redis", url, namespace, holdTtlSeconds, timeoutMs, false), null)
                .await(10, TimeUnit.SECONDS);
        stores.add(s);
        assertThat(s.up()).isTrue();
        return s;
    }

    @Test
    void aSettlementWhoseAnswerWasLostIsSentAgainAndCountsOnce() throws Exception {
        try (TcpProxy relay = new TcpProxy("127.0.0.1", 6379)) {
            RedisLimiterStore store = open("redis://127.0.0.1:" + relay.port(), 60, 200);
            LimiterStore.Ask ask = ask(new CostEstimate(100, 150, 0, 250, 150, false)); // 250 tokens at worst
            LimiterStore.Answer first = onLoop(() -> store.admit(ask));
            assertThat(first.hold()).isNotNull();

            relay.deafen(); // Redis settles it, but the answer never comes back
            onLoop(() -> {
                first.hold().settle(new LimiterStore.Used(300, 0, 0));
                return Future.succeededFuture();
            });
            assertThat(await(() -> !store.up())).as("the unanswered settlement takes the store down").isTrue();
            assertThat(store.pendingSettlements()).as("kept to be sent again").isEqualTo(1);

            relay.cut();
            relay.restore();
            assertThat(await(() -> store.up() && store.pendingSettlements() == 0))
                    .as("sent again once Redis answers, and accepted").isTrue();
            long errors = store.errors();
            Thread.sleep(3 * RedisLink.PROBE_MS); // a failing resend would take it down again within a probe
            assertThat(store.up()).isTrue();
            assertThat(store.errors()).isEqualTo(errors);

            // 300 used once, nothing left reserved: 700 of the 1,000 remain, two requests of 250 at worst
            List<LimiterStore.Answer> next = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                next.add(onLoop(() -> store.admit(ask)));
            }
            assertThat(next.subList(0, 2)).allSatisfy(a -> assertThat(a.hold()).isNotNull());
            assertThat(next.get(2).refusal().code()).isEqualTo(ErrorCode.QUOTA_EXHAUSTED);
            assertThat(store.fallbackAdmissions()).isZero();
        }
    }

    @Test
    void anExpiredHoldThatReservedNothingIsReleasedWithoutError() throws Exception {
        // a replica admits a request that reserves 0 tokens on the quota, then dies: its hold expires unsettled
        RedisLimiterStore crashed = open(RedisService.URL, 1, 2000);
        LimiterStore.Answer held = onLoop(() -> crashed.admit(ask(null)));
        assertThat(held.hold()).isNotNull();
        stores.remove(crashed);
        crashed.close().await(10, TimeUnit.SECONDS); // stops renewing; the hold is never settled
        Thread.sleep(1500); // the hold's TTL (1 s) is Redis's own clock: it cannot be advanced from here

        RedisLimiterStore store = open(RedisService.URL, 60, 2000);
        LimiterStore.Answer answer = onLoop(() -> store.admit(ask(null))); // releases the expired hold first
        assertThat(answer.hold()).isNotNull();
        assertThat(store.fallbackAdmissions()).as("decided in Redis").isZero();
        assertThat(store.up()).isTrue();
    }

    private static LimiterStore.Ask ask(CostEstimate estimate) {
        return new LimiterStore.Ask(new Limiter.Caller("acme", "key-1", null, "gpt-sim"), NO_RATES, estimate, 0, List.of(DAILY_1000));
    }

    /** {@code call} made on the loop (the store's connection of that loop); its answer. */
    private <T> T onLoop(Supplier<Future<T>> call) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        loop.runOnContext(v -> call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                done.complete(ar.result());
            } else {
                done.completeExceptionally(ar.cause());
            }
        }));
        return done.get(10, TimeUnit.SECONDS);
    }

    /** Whether {@code condition} holds within 5 s. */
    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
