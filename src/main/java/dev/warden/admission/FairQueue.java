package dev.warden.admission;

import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fair sharing of one pool's capacity in seats. A request takes seats in proportion to its
 * estimated size; while seats are free and nobody waits, it goes at once (work-conserving).
 * Otherwise it waits in its tenant's queue, and freed seats go to the waiting tenant that has
 * received the least service per unit of weight (a virtual token counter: seats x their use,
 * divided by the tenant's weight). A tenant that becomes active is lifted to the smallest counter
 * of the tenants already waiting (or, if none waits, to the counter of the tenant served last), so
 * idle time banks no credit and past service alone is never owed. A queue is bounded (429
 * {@code queue_full}) and a wait has a deadline (503 {@code queue_timeout}), both with
 * {@code Retry-After}. Two priority classes: {@code interactive} waiters go before {@code batch}
 * ones, except that batch is guaranteed {@code batchShare} of the seats handed out while both
 * wait. One instance per pool, shared by the event loops: its state changes under one short lock;
 * a waiter is woken on its own event loop.
 */
public final class FairQueue implements SeatQueue {
    /** Seats an admitted request holds until it ends. */
    public record Seats(FairQueue queue, int count) implements SeatQueue.Held {
        @Override
        public void release() {
            queue.release(count);
        }
    }

    private static final class Waiter {
        final String tenant;
        final int seats;
        final double weight;
        final Promise<Turn> promise;
        final Context context;
        final long seq;
        final boolean isBatch;
        long timer = -1;
        boolean done;

        Waiter(String tenant, int seats, double weight, Promise<Turn> promise, Context context, long seq, boolean isBatch) {
            this.seq = seq;
            this.isBatch = isBatch;
            this.tenant = tenant;
            this.seats = seats;
            this.weight = weight;
            this.promise = promise;
            this.context = context;
        }
    }

    private final int capacity;
    private final int maxQueuePerTenant;
    private final long timeoutMs;
    private final double batchShare;
    private int free;
    private long arrivals;
    private double batchCredit;
    /** The counter of the tenant served last (where a tenant becoming active while nobody waits starts). */
    private double lastGranted;
    /** Waiting tenants by class: interactive, then batch. */
    private final Map<String, ArrayDeque<Waiter>> interactive = new HashMap<>();
    private final Map<String, ArrayDeque<Waiter>> batch = new HashMap<>();
    private final Map<String, Double> served = new HashMap<>();
    private final LongAdder queued = new LongAdder();
    private final LongAdder timedOut = new LongAdder();

    public FairQueue(int capacity, int maxQueuePerTenant, long timeoutMs) {
        this(capacity, maxQueuePerTenant, timeoutMs, 0.1);
    }

    /** {@code batchShare}: the part (0..1) of the seats batch is guaranteed while both classes wait. */
    public FairQueue(int capacity, int maxQueuePerTenant, long timeoutMs, double batchShare) {
        this.batchShare = batchShare;
        this.capacity = capacity;
        this.free = capacity;
        this.maxQueuePerTenant = maxQueuePerTenant;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Seats for one request of {@code tenant} (weight {@code weight}), now or once it is this
     * tenant's turn; {@code context} is the caller's event loop, where the answer is delivered: the
     * {@link Seats}, or a {@link Refusal} when the tenant's queue is full or the wait runs out.
     */
    public Future<Turn> acquire(String tenant, int seats, double weight, Context context) {
        return acquire(tenant, seats, weight, false, context);
    }

    /** The same, in the {@code batch} class when {@code isBatch}. */
    @Override
    public Future<Turn> acquire(String tenant, int seats, double weight, boolean isBatch, Context context) {
        int need = Math.max(1, Math.min(seats, capacity));
        Map<String, ArrayDeque<Waiter>> waiting = isBatch ? batch : interactive;
        Waiter w;
        synchronized (this) {
            if (!waiting.containsKey(tenant)) {
                liftToActiveMinimum(tenant, waiting); // it becomes active now, whether it waits or not
            }
            if (interactive.isEmpty() && batch.isEmpty() && free >= need) {
                free -= need;
                charge(tenant, need, weight);
                return Future.succeededFuture(new Seats(this, need));
            }
            ArrayDeque<Waiter> q = waiting.get(tenant);
            if (q != null && q.size() >= maxQueuePerTenant) {
                return Future.succeededFuture(new Refusal(GatewayError.of(ErrorCode.QUEUE_FULL,
                        "This tenant already has " + maxQueuePerTenant + " requests waiting for capacity.", "queue_full"),
                        Math.max(1, timeoutMs / 1000)));
            }
            if (q == null) {
                q = new ArrayDeque<>();
                waiting.put(tenant, q);
            }
            w = new Waiter(tenant, need, weight, Promise.promise(), context, ++arrivals, isBatch);
            q.add(w);
            queued.increment();
        }
        w.timer = context.owner().setTimer(timeoutMs, t -> expire(w));
        return w.promise.future();
    }

    private void expire(Waiter w) {
        synchronized (this) {
            if (w.done) {
                return;
            }
            w.done = true;
            Map<String, ArrayDeque<Waiter>> waiting = w.isBatch ? batch : interactive;
            ArrayDeque<Waiter> q = waiting.get(w.tenant);
            if (q != null) {
                q.remove(w);
                if (q.isEmpty()) {
                    waiting.remove(w.tenant);
                }
            }
        }
        timedOut.increment();
        w.promise.tryComplete(new Refusal(GatewayError.of(ErrorCode.QUEUE_TIMEOUT,
                "The pool had no capacity for this request within " + timeoutMs + " ms.", "queue_timeout"), 1));
    }

    private void release(int seats) {
        List<Waiter> wake = new ArrayList<>(2);
        synchronized (this) {
            free += seats;
            while (free > 0 && (!interactive.isEmpty() || !batch.isEmpty())) {
                double creditBefore = batchCredit;
                Map<String, ArrayDeque<Waiter>> waiting = nextClass();
                String next = leastServed(waiting);
                ArrayDeque<Waiter> q = waiting.get(next);
                Waiter head = q.peek();
                if (head.seats > free) {
                    batchCredit = creditBefore; // no seat was handed out: nobody is owed more
                    break; // the least-served tenant's next request waits for enough seats: no one overtakes it
                }
                q.poll();
                if (q.isEmpty()) {
                    waiting.remove(next);
                }
                head.done = true;
                free -= head.seats;
                charge(head.tenant, head.seats, head.weight);
                wake.add(head);
            }
        }
        for (Waiter w : wake) {
            w.context.owner().cancelTimer(w.timer);
            w.context.runOnContext(v -> w.promise.tryComplete(new Seats(this, w.seats)));
        }
    }

    private void charge(String tenant, int seats, double weight) {
        lastGranted = served.merge(tenant, seats / Math.max(weight, 0.001), Double::sum);
    }

    /**
     * Interactive first; while both classes wait, batch is owed {@code batchShare} of each seat
     * handed out and is served whenever it is owed a whole one.
     */
    private Map<String, ArrayDeque<Waiter>> nextClass() {
        if (batch.isEmpty()) {
            return interactive;
        }
        if (interactive.isEmpty()) {
            return batch;
        }
        batchCredit += batchShare;
        if (batchCredit >= 1) {
            batchCredit -= 1;
            return batch;
        }
        return interactive;
    }

    /**
     * A tenant becoming active (a request while none of its own waits) gets at least the smallest
     * counter of those waiting in its class or, when none waits, the counter of the last tenant
     * served: so neither idleness nor arriving after others banks credit, and a tenant that was
     * served alone is not owed its whole past by newcomers.
     */
    private void liftToActiveMinimum(String tenant, Map<String, ArrayDeque<Waiter>> waiting) {
        double min = Double.MAX_VALUE;
        for (String t : waiting.keySet()) {
            min = Math.min(min, served.getOrDefault(t, 0.0));
        }
        double floor = min != Double.MAX_VALUE ? min : lastGranted;
        double own = served.getOrDefault(tenant, 0.0);
        if (own < floor) {
            served.put(tenant, floor);
        }
    }

    /** The waiting tenant with the least service per weight; on a tie, the one whose next request came first. */
    private String leastServed(Map<String, ArrayDeque<Waiter>> waiting) {
        String best = null;
        double bestServed = Double.MAX_VALUE;
        long bestSeq = Long.MAX_VALUE;
        for (var e : waiting.entrySet()) {
            double s = served.getOrDefault(e.getKey(), 0.0);
            long seq = e.getValue().peek().seq;
            if (s < bestServed || (s == bestServed && seq < bestSeq)) {
                best = e.getKey();
                bestServed = s;
                bestSeq = seq;
            }
        }
        return best;
    }

    @Override
    public synchronized int freeSeats() {
        return free;
    }

    @Override
    public synchronized int waitingNow() {
        int n = 0;
        for (ArrayDeque<Waiter> q : interactive.values()) {
            n += q.size();
        }
        for (ArrayDeque<Waiter> q : batch.values()) {
            n += q.size();
        }
        return n;
    }

    @Override
    public long queuedTotal() {
        return queued.sum();
    }

    @Override
    public long timedOutTotal() {
        return timedOut.sum();
    }
}
