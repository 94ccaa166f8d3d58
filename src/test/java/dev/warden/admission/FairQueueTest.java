package dev.warden.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fair queue on its own: seats, the virtual-counter order, weights, bounded queues and deadlines. */
class FairQueueTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private Context ctx() {
        return vertx.getOrCreateContext();
    }

    /** The seats a turn gave at once (or within a second). */
    private static FairQueue.Seats seats(Future<SeatQueue.Turn> turn) throws Exception {
        return (FairQueue.Seats) turn.await(1, TimeUnit.SECONDS);
    }

    /** The seats a turn gives when it comes (a refusal here would be a failed cast: the test fails). */
    private static Future<FairQueue.Seats> seated(Future<SeatQueue.Turn> turn) {
        return turn.map(t -> (FairQueue.Seats) t);
    }

    @Test
    void freeSeatsGoAtOnceAndALightTenantWaitsOneTurnNotBehindAHeavyTenantsBacklog() throws Exception {
        FairQueue q = new FairQueue(2, 100, 10_000);
        List<FairQueue.Seats> held = new ArrayList<>();
        held.add(seats(q.acquire("heavy", 1, 1, ctx())));
        held.add(seats(q.acquire("heavy", 1, 1, ctx())));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<FairQueue.Seats>> waits = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waits.add(seated(q.acquire("heavy", 1, 1, ctx())).onSuccess(s -> order.add("heavy")));
        }
        waits.add(seated(q.acquire("light", 1, 1, ctx())).onSuccess(s -> order.add("light")));
        assertThat(waits).noneMatch(Future::isComplete);
        // The light tenant starts waiting lifted to the heavy one's counter (2 seats served): a tie,
        // which the earlier request wins. So the light tenant waits one turn, not behind the backlog of 6.
        held.remove(0).release();
        waits.get(0).await(1, TimeUnit.SECONDS);
        held.remove(0).release();
        waits.get(6).await(1, TimeUnit.SECONDS);
        assertThat(order).containsExactly("heavy", "light");
        assertThat(waits.subList(1, 6)).noneMatch(Future::isComplete);
    }

    @Test
    void weightsShareTheSeatsInProportion() throws Exception {
        FairQueue q = new FairQueue(1, 1000, 10_000);
        FairQueue.Seats first = seats(q.acquire("x", 1, 1, ctx()));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<FairQueue.Seats>> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(seated(q.acquire("one", 1, 1, ctx())).onSuccess(s -> {
                order.add("one");
                s.release();
            }));
            all.add(seated(q.acquire("three", 1, 3, ctx())).onSuccess(s -> {
                order.add("three");
                s.release();
            }));
        }
        first.release();
        Future.all(all).await(5, TimeUnit.SECONDS);
        List<String> firstForty = order.subList(0, 40);
        long three = firstForty.stream().filter("three"::equals).count();
        assertThat(three).as("weight 3 against weight 1: three quarters of the seats while both wait").isBetween(28L, 32L);
    }

    @Test
    void queuesAreBoundedAndWaitsHaveADeadline() throws Exception {
        FairQueue q = new FairQueue(1, 1, 150);
        seats(q.acquire("a", 1, 1, ctx()));
        Future<SeatQueue.Turn> waiting = q.acquire("b", 1, 1, ctx());
        Future<SeatQueue.Turn> full = q.acquire("b", 1, 1, ctx());
        assertThat(full.result()).isInstanceOf(Refusal.class);
        assertThat(((Refusal) full.result()).error().code().code()).isEqualTo("queue_full");
        SeatQueue.Turn waited = waiting.await(2, TimeUnit.SECONDS);
        assertThat(waited).isInstanceOf(Refusal.class);
        assertThat(((Refusal) waited).error().code().code()).isEqualTo("queue_timeout");
        assertThat(((Refusal) waited).error().status()).isEqualTo(503);
        assertThat(q.timedOutTotal()).isEqualTo(1);
    }

    @Test
    void interactiveGoesFirstAndBatchKeepsItsGuaranteedShare() throws Exception {
        FairQueue q = new FairQueue(1, 1000, 10_000, 0.25);
        FairQueue.Seats first = seats(q.acquire("x", 1, 1, ctx()));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<FairQueue.Seats>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(seated(q.acquire("chat", 1, 1, false, ctx())).onSuccess(s -> {
                order.add("interactive");
                s.release();
            }));
            all.add(seated(q.acquire("training", 1, 1, true, ctx())).onSuccess(s -> {
                order.add("batch");
                s.release();
            }));
        }
        first.release();
        Future.all(all).await(5, TimeUnit.SECONDS);
        long batchInFirst20 = order.subList(0, 20).stream().filter("batch"::equals).count();
        assertThat(batchInFirst20).as("a quarter of the seats while both wait, not none and not half").isBetween(4L, 6L);
        assertThat(order.subList(0, 3)).as("interactive first").containsExactly("interactive", "interactive", "interactive");
        assertThat(order).hasSize(40);
    }

    @Test
    void aTenantServedAloneIsNotOwedItsPastByANewcomer() throws Exception {
        FairQueue q = new FairQueue(1, 1000, 10_000);
        for (int i = 0; i < 50; i++) { // "early" was served alone: no one waited
            seats(q.acquire("early", 1, 1, ctx())).release();
        }
        FairQueue.Seats held = seats(q.acquire("early", 1, 1, ctx()));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<FairQueue.Seats>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            for (String t : new String[] {"late", "early"}) {
                all.add(seated(q.acquire(t, 1, 1, ctx())).onSuccess(s -> {
                    order.add(t);
                    s.release();
                }));
            }
        }
        held.release();
        Future.all(all).await(5, TimeUnit.SECONDS);
        long earlyInFirst10 = order.subList(0, 10).stream().filter("early"::equals).count();
        // lifted to the counter of the tenant served last, the newcomer shares from the start
        // (without that lift it would take the first 50 seats: all of these 10)
        assertThat(earlyInFirst10).as("order: %s", order).isBetween(4L, 6L);
    }
}
