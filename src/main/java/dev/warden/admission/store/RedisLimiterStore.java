package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.SeatQueue;
import dev.warden.admission.store.AdmitRequests.Admission;
import dev.warden.config.LimiterSettings;
import dev.warden.config.PoolConfig;
import dev.warden.redis.RedisScript;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter store shared by every replica: one Redis, one Lua script ({@code admit.lua}) per
 * admission that checks concurrency, every GCRA rate, pacing, every hard budget and token quota of
 * the tenant and makes every reservation, atomically, in one round trip, on the Redis server's
 * clock. Keys are {@code {namespace:tenant}:...}: one tenant's keys share a Redis Cluster slot.
 * A tenant's admissions that arrive on one event loop while its previous call is in flight go
 * together in the next call ({@link CallCoalescer}): each is still decided alone, in order, but a
 * busy tenant costs Redis one script call and each key one read and one write for many requests.
 *
 * <p>The parts, one job each: {@link Planner} (what an ask checks), {@link AdmitRequests} and
 * {@link AdmitAnswers} (the script's call and answer), {@link HoldRenewals} (an admitted
 * request's seat and budget reservations are a hold with a TTL, renewed while it runs: a replica
 * that dies stops renewing, and the next admission of that tenant gives its holds back),
 * {@link Settlements} (batched write-behind: what ends within one turn of the event loop goes in
 * one pipeline, and a settlement sent twice counts once), {@link OutageFallback} (what is decided
 * while Redis is away), {@link ReservationWatch} (what every replica holds, for forecasts) and
 * {@link RedisLink} (the connection, the scripts, up or down, the heartbeat).
 *
 * <p>When Redis cannot be reached (an error, or no answer within {@code timeoutMs}), admissions
 * are decided by the {@link OutageFallback}; Redis is probed every 500 ms, and when it answers,
 * the buckets used meanwhile are debited, the settlements kept meanwhile are sent, and admissions
 * go back to Redis.
 */
public final class RedisLimiterStore implements LimiterStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLimiterStore.class);
    /** At most this many admissions in one call of admit.lua (a call holds Redis for ~10 us per admission). */
    private static final int MAX_ADMIT_BATCH = 64;
    private static final Answer UNLIMITED = new Answer(used -> { }, null, 0, List.of());

    /** Admissions are coalesced per tenant and event loop (the loop's own connection carries them). */
    private record Lane(Thread loop, String tenantPrefix) {
    }

    private final RedisLink link;
    private final BudgetBook budgets;
    private final Planner planner;
    private final RefusalCount refused = new RefusalCount();
    private final OutageFallback outage = new OutageFallback(refused);
    private final ReservationWatch watch = new ReservationWatch();
    private final HoldRenewals renewals = new HoldRenewals();
    private final Settlements settlements;
    private final AdmitAnswers answers;
    /** Admission on leases (null: every admission decided in Redis). */
    private final Leases leases;
    private final CallCoalescer<Admission> admissions = new CallCoalescer<>(MAX_ADMIT_BATCH, this::admitCall);
    private final ConcurrentHashMap<String, RedisSeats> seatsByPool = new ConcurrentHashMap<>();
    private final LongAdder admissionsSent = new LongAdder();
    private final List<Long> timers = new ArrayList<>();

    private RedisLimiterStore(Vertx vertx, LimiterSettings settings, BudgetBook budgets) {
        this.link = new RedisLink(vertx, settings);
        this.budgets = budgets;
        this.planner = new Planner(settings.namespace(), budgets);
        this.settlements = new Settlements(link, renewals, watch);
        this.answers = new AdmitAnswers(settlements, refused);
        this.leases = settings.leases() ? new Leases(link, renewals, answers, watch) : null;
        link.onReturn(() -> outage.debit(link), settlements::scheduleFlush);
    }

    /**
     * Connects, loads the scripts and starts the heartbeat, the renewal of running requests'
     * holds and the reading of reservations. A Redis that cannot be reached at start is not fatal:
     * the store starts down (see the class comment) and keeps probing.
     */
    public static Future<RedisLimiterStore> start(Vertx vertx, LimiterSettings settings, BudgetBook budgets) {
        RedisLimiterStore s = new RedisLimiterStore(vertx, settings, budgets);
        s.timers.add(vertx.setPeriodic(RedisLink.HEARTBEAT_MS, t -> s.link.heartbeat()));
        long renewEvery = Math.max(1000, settings.holdTtlSeconds() * 1000L / 3);
        s.timers.add(vertx.setPeriodic(renewEvery, t -> s.renewals.renew(s.link)));
        if (s.leases != null) {
            s.timers.add(vertx.setPeriodic(Leases.windowMs(), t -> s.leases.tick()));
        }
        s.timers.add(vertx.setPeriodic(RedisLink.HEARTBEAT_MS, t -> s.watch.read(s.link, List.copyOf(s.seatsByPool.values()))));
        if (budgets != null) {
            budgets.reservationsFrom((tenant, period, start) ->
                    s.watch.reserved(Planner.accountKey(s.planner.prefix(tenant), false, period, start)));
        }
        return s.link.connect().map(v -> s);
    }

    @Override
    public Future<Answer> admit(Ask ask) {
        Plan plan = planner.plan(ask, System.currentTimeMillis());
        if (plan.empty()) {
            return Future.succeededFuture(UNLIMITED);
        }
        Context caller = Vertx.currentContext();
        if (leases != null && leases.eligible(plan)) { // while Redis is away too: what the lease holds bridges the outage
            return onCaller(caller, leases.admit(plan, this::perRequest));
        }
        return onCaller(caller, perRequest(plan));
    }

    /** Decided in Redis by {@code admit.lua} (or on this replica's share while Redis is away). */
    private Future<Answer> perRequest(Plan plan) {
        if (!link.up()) {
            return Future.succeededFuture(outage.admit(plan, link.replicas(), link.outages(), link.downSinceNanos()));
        }
        return released(plan).compose(b -> b == null ? Future.succeededFuture(answers.budgetUnknown()) : call(plan, b, true));
    }

    /** The plan's baselines, once what this replica's lease holds unused on its accounts has gone back. */
    private Future<long[]> released(Plan plan) {
        return leases == null ? baselines(plan) : leases.release(plan).compose(v -> baselines(plan));
    }

    /** Each account's baseline for the script: -1 where Redis has it already; null if one cannot be read (fail closed). */
    private Future<long[]> baselines(Plan plan) {
        long[] out = new long[plan.accounts().size()];
        List<Future<Long>> reads = null;
        for (int j = 0; j < out.length; j++) {
            Plan.Account a = plan.accounts().get(j);
            if (watch.known(a.key())) {
                out[j] = -1;
                continue;
            }
            if (reads == null) {
                reads = new ArrayList<>();
            }
            int at = j;
            long start = a.allowance().period().startMs(System.currentTimeMillis());
            Future<Long> read = budgets == null ? Future.succeededFuture(0L)
                    : budgets.spendBefore(plan.tenant(), a.allowance().tokens(), start, a.periodEndMs());
            reads.add(read.onSuccess(v -> out[at] = v));
        }
        if (reads == null) {
            return Future.succeededFuture(out);
        }
        return Future.all(reads).transform(ar -> Future.succeededFuture(ar.succeeded() ? out : null));
    }

    private Future<Answer> call(Plan plan, long[] baselines, boolean mayRetry) {
        String holdId = link.newHoldId();
        return admissions.submit(new Lane(Thread.currentThread(), plan.prefix()), new Admission(plan, baselines, holdId))
                .transform(ar -> answered(plan, baselines, holdId, ar, mayRetry));
    }

    /** One coalesced call: the admissions waiting in one lane, loading the scripts once if Redis answers NOSCRIPT. */
    private Future<Response> admitCall(List<Admission> batch) {
        admissionsSent.add(batch.size());
        long ttl = link.settings().holdTtlSeconds() * 1000L;
        return link.send("admit", AdmitRequests.of(batch, ttl)).recover(e -> RedisScript.isNoScript(e)
                ? link.loadScripts().compose(v -> link.send("admit", AdmitRequests.of(batch, ttl))) : Future.failedFuture(e));
    }

    /** What the admission script answered (or why it did not): the decision, or another try. */
    private Future<Answer> answered(Plan plan, long[] baselines, String holdId, AsyncResult<Response> ar, boolean mayRetry) {
        if (ar.failed()) {
            if (RedisScript.isNoScript(ar.cause()) && mayRetry) {
                return link.loadScripts().compose(v -> call(plan, baselines, false));
            }
            link.markDown(ar.cause());
            return Future.succeededFuture(outage.admit(plan, link.replicas(), link.outages(), link.downSinceNanos()));
        }
        Response r = ar.result();
        if (r.get(0).toInteger() == 2) { // Redis lost an account (restarted, flushed): read its baseline again, once
            watch.forget(plan.accounts().get(r.get(1).toInteger() - 1).key());
            if (!mayRetry) {
                return Future.succeededFuture(answers.budgetUnknown());
            }
            return baselines(plan).compose(b -> b == null ? Future.succeededFuture(answers.budgetUnknown()) : call(plan, b, false));
        }
        plan.accounts().forEach(a -> watch.learned(a.key()));
        return Future.succeededFuture(answers.read(plan, holdId, r));
    }

    /**
     * Admission and the pool's first ask for seats in one pipeline (one round trip; on a Redis
     * Cluster the two scripts go to their own slots' nodes). Seats granted to a request its
     * admission refused go back at once; a request that got no seats waits in the seat queue. An
     * admission its tenant's lease decides goes first, and only the seats are asked of Redis.
     */
    @Override
    public Future<Admitted> admit(Ask ask, SeatAsk seats) {
        if (seats == null || !link.up()) {
            return admit(ask).map(a -> new Admitted(a, null));
        }
        Plan plan = planner.plan(ask, System.currentTimeMillis());
        Context caller = Vertx.currentContext();
        if (!plan.empty() && leases != null && leases.eligible(plan)) { // decided on the lease: then the seats alone
            return onCaller(caller, leases.admit(plan, this::perRequest).compose(a -> a.refusal() != null
                    ? Future.succeededFuture(new Admitted(a, null)) : seatsAlone(seats, ask, a)));
        }
        RedisSeats.FirstAsk first = seatsOf(seats.pool(), seats.capacity()).firstAsk(ask.caller().tenant(), seats.seats(),
                seats.weight(), seats.batch());
        if (first == null) {
            return admit(ask).map(a -> new Admitted(a, null));
        }
        if (plan.empty()) {
            return onCaller(caller, seatsAlone(first, UNLIMITED));
        }
        Future<Admitted> admitted = released(plan).compose(b -> {
            if (b == null) {
                return Future.succeededFuture(new Admitted(answers.budgetUnknown(), null));
            }
            String holdId = link.newHoldId();
            admissionsSent.increment();
            Admission admission = new Admission(plan, b, holdId);
            return link.batch("admit", List.of(AdmitRequests.of(List.of(admission), link.settings().holdTtlSeconds() * 1000L),
                    first.request())).transform(ar -> {
                        if (ar.failed()) { // neither is known to have run: the plain path decides (a granted seat expires)
                            if (RedisScript.isNoScript(ar.cause())) {
                                return link.loadScripts().compose(v -> call(plan, b, false)).map(a -> new Admitted(a, null));
                            }
                            link.markDown(ar.cause());
                            return Future.succeededFuture(new Admitted(outage.admit(plan, link.replicas(), link.outages(), link.downSinceNanos()), null));
                        }
                        SeatQueue.Held held = first.answer(ar.result().get(1));
                        return answered(plan, b, holdId, Future.succeededFuture(ar.result().get(0).get(0)), true).map(a -> {
                            if (a.refusal() != null) {
                                if (held != null) {
                                    held.release();
                                } else {
                                    first.leave();
                                }
                                return new Admitted(a, null);
                            }
                            return new Admitted(a, held);
                        });
                    });
        });
        return onCaller(caller, admitted);
    }

    /** The pool's first ask for seats, alone, for a request already admitted ({@code admitted}). */
    private Future<Admitted> seatsAlone(SeatAsk seats, Ask ask, Answer admitted) {
        RedisSeats.FirstAsk first = seatsOf(seats.pool(), seats.capacity()).firstAsk(ask.caller().tenant(), seats.seats(),
                seats.weight(), seats.batch());
        return first == null ? Future.succeededFuture(new Admitted(admitted, null)) : seatsAlone(first, admitted);
    }

    private Future<Admitted> seatsAlone(RedisSeats.FirstAsk first, Answer admitted) {
        return link.send("seats", first.request()).transform(ar -> {
            if (ar.failed()) { // the seat queue asks again (or decides locally if Redis is away)
                if (!RedisScript.isNoScript(ar.cause())) {
                    link.markDown(ar.cause());
                }
                return Future.succeededFuture(new Admitted(admitted, null));
            }
            return Future.succeededFuture(new Admitted(admitted, first.answer(ar.result())));
        });
    }

    /** A fair queue over all of a pool's seats, shared by every replica through this store (one per pool and capacity). */
    public SeatQueue seats(String pool, PoolConfig.Capacity capacity) {
        return seatsOf(pool, capacity);
    }

    private RedisSeats seatsOf(String pool, PoolConfig.Capacity capacity) {
        return seatsByPool.compute(pool, (k, old) -> old != null && old.capacity().equals(capacity) ? old
                : new RedisSeats(link, renewals, settlements, pool, capacity));
    }

    /** {@code f}'s result delivered on the caller's event loop. */
    private static <T> Future<T> onCaller(Context caller, Future<T> f) {
        if (caller == null) {
            return f;
        }
        Promise<T> p = Promise.promise();
        f.onComplete(ar -> {
            if (Vertx.currentContext() == caller || caller instanceof ContextInternal c && c.nettyEventLoop().inEventLoop()) {
                p.handle(ar); // the caller's own event loop already
            } else {
                caller.runOnContext(v -> p.handle(ar));
            }
        });
        return p.future();
    }

    /**
     * One {@code refund.lua} call on the tenant's money accounts of the current periods. If Redis
     * cannot be reached the refund is lost and the accounts over-count until their period ends:
     * never an overspend, only an early refusal (logged).
     */
    @Override
    public void refund(String tenant, long micros) {
        if (budgets == null || micros <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        List<String> keys = budgets.allowances(tenant, List.of()).stream().filter(a -> !a.tokens())
                .map(a -> Planner.accountKey(planner.prefix(tenant), false, a.period(), a.period().startMs(now))).toList();
        if (keys.isEmpty()) {
            return;
        }
        link.call("settle", LimiterScripts.REFUND, keys, List.of(Long.toString(micros))).onFailure(e ->
                LOG.warn("a job's refund of {} micro-units to tenant {} was lost: {}", micros, tenant, e.toString()));
    }

    @Override
    public long refusals(String code, String mode) {
        return refused.sum(code, mode) + outage.refusals(code, mode);
    }

    /** Round trips to Redis so far by operation ({@code admit}, {@code settle}, {@code renew}...). */
    public Map<String, LongAdder> roundTrips() {
        return link.roundTrips();
    }

    public boolean up() {
        return link.up();
    }

    public int replicas() {
        return link.replicas();
    }

    /** Admissions sent to Redis to decide (a round trip of {@code admit} carries one or more). */
    public long admissionsSent() {
        return admissionsSent.sum();
    }

    /** Admissions decided on this replica's leases, without a round trip of their own. */
    public long leaseAdmissions() {
        return leases == null ? 0 : leases.admitted();
    }

    /** Admissions decided on this replica alone because Redis could not be reached. */
    public long fallbackAdmissions() {
        return outage.admissions();
    }

    public long errors() {
        return link.errors();
    }

    public int pendingSettlements() {
        return settlements.pending();
    }

    public long droppedSettlements() {
        return settlements.dropped();
    }

    /** Forgets idle local buckets (those used while Redis was down), quiet lanes, and accounts of periods long over. */
    public void sweep(long nowNanos) {
        outage.sweep(nowNanos);
        admissions.sweep();
        watch.sweep(System.currentTimeMillis() - 40L * 86_400_000L);
    }

    /** Stops the timers, sends what is still to settle (bounded), closes the connections. */
    public Future<Void> close() {
        timers.forEach(link.vertx()::cancelTimer);
        List<Request> last = new ArrayList<>(settlements.drainAll());
        if (leases != null) {
            last.addAll(leases.giveBackAll());
        }
        return link.close(last);
    }
}
