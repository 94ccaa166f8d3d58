package dev.warden.admission.store;

import dev.warden.admission.FairQueue;
import dev.warden.admission.Refusal;
import dev.warden.admission.SeatQueue;
import dev.warden.config.PoolConfig;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One pool's seats shared by every replica ({@code seats.lua}): the seats in use, the service each
 * tenant received and who waits live in Redis, so the capacity and the fair turns are global.
 * A request that cannot have its seats now waits here, on its replica, in its tenant's queue;
 * this replica asks again for its waiting tenants every {@value #POLL_MS} ms and whenever one of
 * its own requests ends (seats freed on another replica are seen at the next ask). Its waiters'
 * registrations in Redis have a lease, so a replica that dies stops blocking others' turns. Seats
 * are a hold with the store's TTL, renewed while the request runs. While Redis cannot be reached,
 * the pool's seats are this replica's share of them ({@link OutageSeats}).
 */
final class RedisSeats implements SeatQueue {
    static final long POLL_MS = 20;
    private static final long WAIT_LEASE_MS = 2_000;

    private final RedisLink link;
    private final HoldRenewals renewals;
    private final Settlements settlements;
    private final PoolConfig.Capacity capacity;
    private final List<String> keys;
    private final String holdsKey;
    private final String waitKey;
    /** Local waiters by their registration ({@code class:tenant:replica}), in arrival order. */
    private final Map<String, ArrayDeque<SeatWaiter>> waiting = new LinkedHashMap<>();
    private final LongAdder queued = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private volatile int free;
    private final OutageSeats outage;
    private boolean asking;
    private boolean tickScheduled;

    PoolConfig.Capacity capacity() {
        return capacity;
    }

    String usedKey() {
        return keys.get(0);
    }

    /** The pool's seats in use across every replica, as just read: the free-seats gauge follows it. */
    void seatsInUse(int used) {
        free = Math.max(0, capacity.seats() - used);
    }

    RedisSeats(RedisLink link, HoldRenewals renewals, Settlements settlements, String pool, PoolConfig.Capacity capacity) {
        this.link = link;
        this.renewals = renewals;
        this.settlements = settlements;
        this.capacity = capacity;
        this.free = capacity.seats();
        this.outage = new OutageSeats(capacity, link::replicas);
        String prefix = "{" + link.settings().namespace() + ":pool:" + pool + "}:";
        this.holdsKey = prefix + "h";
        this.waitKey = prefix + "wait";
        this.keys = List.of(prefix + "used", holdsKey, prefix + "hd", prefix + "served", waitKey, prefix + "credit", prefix + "last");
    }

    @Override
    public Future<Turn> acquire(String tenant, int seats, double weight, boolean isBatch, Context context) {
        if (!link.up()) {
            return local(tenant, seats, weight, isBatch, context);
        }
        SeatWaiter w = new SeatWaiter(tenant, Math.max(1, Math.min(seats, capacity.seats())), weight, isBatch, context);
        String member = member(w);
        synchronized (this) {
            ArrayDeque<SeatWaiter> q = waiting.get(member);
            if (q != null && !q.isEmpty()) { // its tenant already waits here: no overtaking its own queue
                return enqueue(member, w);
            }
        }
        return ask(w, member, false).transform(ar -> {
            if (ar.failed()) {
                link.markDown(ar.cause());
                return local(tenant, seats, weight, isBatch, context);
            }
            if (ar.result() != null) {
                return Future.succeededFuture((Turn) ar.result());
            }
            synchronized (this) {
                return enqueue(member, w);
            }
        });
    }

    /** Under the lock: the request waits here for its turn (bounded queue, deadline). */
    private Future<Turn> enqueue(String member, SeatWaiter w) {
        ArrayDeque<SeatWaiter> q = waiting.computeIfAbsent(member, m -> new ArrayDeque<>());
        if (q.size() >= capacity.maxQueuePerTenant()) {
            return Future.succeededFuture(new Refusal(GatewayError.of(ErrorCode.QUEUE_FULL, "This tenant already has "
                    + capacity.maxQueuePerTenant() + " requests waiting for capacity.", "queue_full"),
                    Math.max(1, capacity.queueTimeoutMs() / 1000)));
        }
        q.add(w);
        queued.increment();
        w.timer = w.context.owner().setTimer(capacity.queueTimeoutMs(), t -> expire(member, w));
        scheduleTick(POLL_MS);
        return w.promise.future();
    }

    /** Asks Redis for one waiter's seats: the held seats, or null when it is not its turn or they are not free. */
    private Future<Held> ask(SeatWaiter w, String member, boolean more) {
        String holdId = link.newHoldId();
        return link.call("seats", LimiterScripts.SEATS, keys, args(w, member, more, holdId)).map(r -> granted(r, holdId));
    }

    private List<String> args(SeatWaiter w, String member, boolean more, String holdId) {
        return List.of(w.tenant, Integer.toString(w.seats), Double.toString(Math.max(w.weight, 0.001)),
                w.isBatch ? "b" : "i", holdId, Long.toString(link.settings().holdTtlSeconds() * 1000L),
                Integer.toString(capacity.seats()), Double.toString(capacity.batchSharePercent() / 100.0), member,
                Long.toString(WAIT_LEASE_MS), more ? "1" : "0");
    }

    /** The seats the script's answer grants (held and renewed from now on), or null. */
    private Held granted(Response r, String holdId) {
        free = Math.max(0, r.get(1).toInteger());
        if (r.get(0).toInteger() != 1) {
            return null;
        }
        renewals.running(holdId, holdsKey, holdId);
        return new Seat(holdId);
    }

    /**
     * A first ask for a request's seats, to go in the same pipeline as its admission: null when
     * its tenant already waits here (its requests keep their order) or Redis is away.
     */
    FirstAsk firstAsk(String tenant, int seats, double weight, boolean isBatch) {
        if (!link.up()) {
            return null;
        }
        SeatWaiter w = new SeatWaiter(tenant, Math.max(1, Math.min(seats, capacity.seats())), weight, isBatch, null);
        String member = member(w);
        synchronized (this) {
            ArrayDeque<SeatWaiter> q = waiting.get(member);
            if (q != null && !q.isEmpty()) {
                return null;
            }
        }
        String holdId = link.newHoldId();
        return new FirstAsk(this, member, holdId, LimiterScripts.SEATS.call(keys, args(w, member, false, holdId)));
    }

    /** A first ask sent with its admission: its request, and what to make of the answer. */
    record FirstAsk(RedisSeats seats, String member, String holdId, Request request) {
        /** The seats granted, or null (it is registered as waiting: it must wait here, or leave). */
        Held answer(Response r) {
            return seats.granted(r, holdId);
        }

        /** The request will not wait after all (its admission was refused): others need not leave it its turn. */
        void leave() {
            synchronized (seats) {
                ArrayDeque<SeatWaiter> q = seats.waiting.get(member);
                if (q != null && !q.isEmpty()) {
                    return;
                }
            }
            seats.settlements.later(Request.cmd(Command.ZREM).arg(seats.waitKey).arg(member));
        }
    }

    /** Seats held in Redis: given back once, in the store's next pipeline. */
    private final class Seat implements Held {
        final String holdId;
        final AtomicBoolean released = new AtomicBoolean();

        Seat(String holdId) {
            this.holdId = holdId;
        }

        @Override
        public void release() {
            if (released.compareAndSet(false, true)) {
                renewals.ended(holdId);
                settlements.later(LimiterScripts.UNSEAT.call(keys.subList(0, 3), List.of(holdId)));
                scheduleTick(1); // this replica's waiters may go now
            }
        }
    }

    private synchronized void scheduleTick(long delayMs) {
        if (!tickScheduled && !waiting.isEmpty()) {
            tickScheduled = true;
            link.vertx().setTimer(delayMs, t -> tick());
        }
    }

    /** Asks for each waiting tenant's next request in turn, until Redis says no more seats now. */
    private void tick() {
        List<String> members;
        synchronized (this) {
            tickScheduled = false;
            if (asking || waiting.isEmpty()) {
                return;
            }
            if (!link.up()) { // Redis went away while they waited: they wait on for this replica's share
                moveToFallback();
                return;
            }
            asking = true;
            members = new ArrayList<>(waiting.keySet());
        }
        askInTurn(members, 0);
    }

    private void askInTurn(List<String> members, int index) {
        SeatWaiter head;
        String member;
        boolean more;
        synchronized (this) {
            while (index < members.size() && (waiting.get(members.get(index)) == null || waiting.get(members.get(index)).isEmpty())) {
                index++;
            }
            if (index >= members.size() || free <= 0 && index > 0) {
                asking = false;
                scheduleTick(POLL_MS);
                return;
            }
            member = members.get(index);
            head = waiting.get(member).peek();
            more = waiting.get(member).size() > 1;
        }
        int at = index;
        ask(head, member, more).onComplete(ar -> {
            if (ar.failed()) {
                link.markDown(ar.cause());
                synchronized (this) {
                    asking = false;
                }
                scheduleTick(POLL_MS);
                return;
            }
            Held seat = ar.result();
            if (seat == null) {
                askInTurn(members, at + 1); // not this tenant's turn, or no seats: the next waiting tenant
                return;
            }
            boolean delivered;
            synchronized (this) {
                ArrayDeque<SeatWaiter> q = waiting.get(member);
                delivered = q != null && q.peek() == head && !head.done;
                if (delivered) {
                    q.poll();
                    head.done = true;
                    if (q.isEmpty()) {
                        waiting.remove(member);
                    }
                }
            }
            if (!delivered) {
                seat.release(); // its wait ran out meanwhile
            } else {
                head.context.owner().cancelTimer(head.timer);
                head.context.runOnContext(v -> head.promise.tryComplete(seat));
            }
            askInTurn(members, at); // the same tenant's next request, if it has one
        });
    }

    private void expire(String member, SeatWaiter w) {
        boolean last;
        synchronized (this) {
            if (w.done) {
                return;
            }
            w.done = true;
            ArrayDeque<SeatWaiter> q = waiting.get(member);
            if (q != null) {
                q.remove(w);
            }
            last = q == null || q.isEmpty();
            if (last) {
                waiting.remove(member);
            }
        }
        if (last) { // no longer waiting here: leave the others their turn at once
            settlements.later(Request.cmd(Command.ZREM).arg(waitKey).arg(member));
        }
        timedOut.increment();
        w.promise.tryComplete(new Refusal(GatewayError.of(ErrorCode.QUEUE_TIMEOUT,
                "The pool had no capacity for this request within " + capacity.queueTimeoutMs() + " ms.", "queue_timeout"), 1));
    }

    /** Under the lock: the waiters go on waiting in the local queue of this replica's share. */
    private void moveToFallback() {
        FairQueue local = outage.queue();
        for (ArrayDeque<SeatWaiter> q : waiting.values()) {
            for (SeatWaiter w : q) {
                if (!w.done) {
                    w.done = true;
                    w.context.owner().cancelTimer(w.timer);
                    local.acquire(w.tenant, w.seats, w.weight, w.isBatch, w.context).onComplete(ar -> {
                        if (ar.succeeded()) {
                            w.promise.tryComplete(ar.result());
                        } else {
                            w.promise.tryFail(ar.cause());
                        }
                    });
                }
            }
        }
        waiting.clear();
    }

    private Future<Turn> local(String tenant, int seats, double weight, boolean isBatch, Context context) {
        return outage.queue().acquire(tenant, seats, weight, isBatch, context);
    }

    private String member(SeatWaiter w) {
        return (w.isBatch ? "b:" : "i:") + w.tenant + ":" + link.replica();
    }

    @Override
    public int freeSeats() {
        return link.up() ? free : outage.freeSeats(free);
    }

    @Override
    public int waitingNow() {
        int n = 0;
        synchronized (this) {
            for (ArrayDeque<SeatWaiter> q : waiting.values()) {
                n += q.size();
            }
        }
        return n + outage.queue().waitingNow(); // outside this lock: the fallback queue has its own
    }

    @Override
    public long queuedTotal() {
        return queued.sum() + outage.queuedTotal();
    }

    @Override
    public long timedOutTotal() {
        return timedOut.sum() + outage.timedOutTotal();
    }
}
