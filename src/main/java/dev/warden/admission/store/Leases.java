package dev.warden.admission.store;

import dev.warden.admission.LimiterStore;
import dev.warden.admission.LimiterStore.Answer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Admission on leases: Redis off most requests without giving up a guarantee. Each replica holds,
 * per tenant, a slice of each rate bucket, some concurrency seats and a hold on each budget and
 * quota account ({@link TenantLease}), taken from Redis in one {@code lease.lua} call, and admits on
 * them locally; a request that ends gives its unused tokens, its seat and what it did not spend of
 * its worst case back to the lease, not to Redis, and what it spent is reported with the next
 * renewal. Leases grow ahead of need (a share under half its target, sized from the tenant's recent
 * demand), and give back what they hold when the tenant goes quiet ({@value #IDLE_MS} ms) or holds
 * far more than its demand.
 *
 * <p>What a lease holds was taken from the buckets and seats in Redis, so the replicas together
 * can never pass a limit; the price is under-use: a slice or seat held by one replica is not
 * available to another until used or given back. Bounds: a slice is at most half the bucket's
 * burst divided by the replicas alive, spare seats at most a quarter of the limit per replica, an
 * account's free hold at most a quarter of what it has left divided by the replicas; a crashed
 * replica's slices refill at the bucket's rate, its seats come back when their hold expires, and
 * its account holds then count as spent (what it spent of them was never reported). During an
 * outage a replica spends what its lease holds (taken before Redis went away: the outage's share
 * starts with empty buckets behind it), its seats for half a hold TTL; when Redis answers again
 * the slices' rest is dropped and the account holds wait for Redis's word on what they still hold.
 *
 * <p>Only what a lease can decide exactly goes on it: enforced limits and accounts whose state
 * Redis has (a baseline read from the ledger is the per-request path's), and no charge larger than
 * a share may be. A request its lease cannot cover after a few renewals is refused if Redis said
 * it has no room, and otherwise decided per request.
 */
public final class Leases {
    private static final long WINDOW_NANOS = 100_000_000;
    /** A lease not asked for this long gives back what it holds. */
    public static final long IDLE_MS = 500;
    private static final long IDLE_NANOS = IDLE_MS * 1_000_000;
    /** A lease that has held nothing this long is forgotten (bounded memory). */
    private static final long FORGET_NANOS = 60_000_000_000L;
    /**
     * A bucket whose slice could not be this big (a small burst over many replicas) is decided per
     * request: slices of a few units would hold back a large part of a small limit.
     */
    static final long MIN_SLICE = 8;
    /** Renewals a short request waits for before it is decided the per-request way. */
    private static final int MAX_RENEWALS = 3;

    private final RedisLink link;
    private final HoldRenewals renewals;
    private final AdmitAnswers answers;
    private final ReservationWatch watch;
    private final ConcurrentHashMap<String, TenantLease> byTenant = new ConcurrentHashMap<>();
    private final LongAdder admitted = new LongAdder();

    Leases(RedisLink link, HoldRenewals renewals, AdmitAnswers answers, ReservationWatch watch) {
        this.link = link;
        this.renewals = renewals;
        this.answers = answers;
        this.watch = watch;
    }

    /**
     * How long into an outage the lease's seats are certainly still held in Redis: a hold lives a
     * TTL from its last renewal, renewed every third of it, so for two thirds of a TTL after the
     * outage began; half a TTL, to spare.
     */
    private long seatsSafeNanos() {
        return link.settings().holdTtlSeconds() * 500_000_000L;
    }

    /**
     * Whether a lease can decide {@code plan} exactly: enforced, every budget and quota enforced,
     * known to Redis and with a worst case, every bucket big enough to slice ({@value #MIN_SLICE}
     * units a replica) and every charge within a slice.
     */
    boolean eligible(Plan plan) {
        if (!plan.ask().limits().enforced()) {
            return false;
        }
        for (Plan.Account a : plan.accounts()) {
            if (!a.allowance().enforced() || !watch.known(a.key()) || a.amount() < 0) {
                return false;
            }
        }
        int replicas = link.replicas();
        for (Plan.Bucket b : plan.buckets()) {
            long cap = TenantLease.cap(b, replicas);
            if (cap < MIN_SLICE || b.units() > cap) {
                return false;
            }
        }
        return true;
    }

    /** Decides {@code plan} on the tenant's lease, growing it when short; {@code perRequest} decides while Redis is away. */
    Future<Answer> admit(Plan plan, Function<Plan, Future<Answer>> perRequest) {
        return attempt(plan, perRequest, 0);
    }

    private Future<Answer> attempt(Plan plan, Function<Plan, Future<Answer>> perRequest, int renewed) {
        long now = System.nanoTime();
        TenantLease lease = byTenant.computeIfAbsent(plan.prefix(), p -> new TenantLease(p, link.newHoldId(), link.outages(), now));
        TenantLease.Try t;
        boolean low;
        long epoch;
        boolean up = link.up();
        if (!up && plan.ask().limits().concurrency() > 0 && link.downForNanos() > seatsSafeNanos()) {
            return perRequest.apply(plan); // the lease's seats may have expired in Redis by now: the outage's share decides
        }
        synchronized (lease) {
            lease.syncEpoch(link.outages(), up);
            t = lease.take(plan, now);
            epoch = lease.epoch;
            low = up && t.outcome() == TenantLease.Outcome.TAKEN && lease.renewing == null && lease.runningLow(link.replicas());
        }
        switch (t.outcome()) {
            case TAKEN -> {
                admitted.increment();
                if (low) {
                    renew(lease);
                }
                boolean seat = plan.ask().limits().concurrency() > 0;
                return Future.succeededFuture(new Answer(new LeaseHold(lease, plan, seat, epoch), null, 0, t.policies()));
            }
            case REFUSED_SEAT -> {
                return up ? Future.succeededFuture(answers.concurrencyRefused(plan)) : perRequest.apply(plan);
            }
            case REFUSED_RATE -> {
                if (!up) {
                    return perRequest.apply(plan);
                }
                return Future.succeededFuture(answers.rateRefused(plan, t.index(), retrySeconds(t.retryAfterNanos()), t.policies()));
            }
            case REFUSED_ACCOUNT -> {
                return up ? Future.succeededFuture(answers.accountRefused(plan, t.index(), t.policies())) : perRequest.apply(plan);
            }
            default -> {
                if (!link.up()) {
                    return perRequest.apply(plan); // what the lease holds is spent: the outage's share decides
                }
                boolean renewing;
                synchronized (lease) {
                    renewing = lease.renewing != null;
                }
                // a renewal in flight may bring what this request needs: it is worth waiting for
                if (renewed < MAX_RENEWALS || renewing && renewed < 2 * MAX_RENEWALS) {
                    return renew(lease).compose(v -> attempt(plan, perRequest, renewed + 1));
                }
                Answer refused = stillShort(lease, plan);
                return refused != null ? Future.succeededFuture(refused) : perRequest.apply(plan);
            }
        }
    }

    /**
     * Refused after renewals that brought this request nothing, when Redis said it has none: the
     * bucket had no room (its answer said when it will), or no seat was free across the replicas.
     * Null otherwise (what Redis had went to the requests before this one): Redis decides it.
     */
    private Answer stillShort(TenantLease lease, Plan plan) {
        long now = System.nanoTime();
        synchronized (lease) {
            if (plan.ask().limits().concurrency() > 0 && lease.seatsInUse >= lease.seatsHeld && lease.seatsFullUntilNanos > now) {
                return answers.concurrencyRefused(plan);
            }
            for (int i = 0; i < plan.buckets().size(); i++) {
                Plan.Bucket b = plan.buckets().get(i);
                TenantLease.Slice s = lease.slices.get(b.key());
                if (s != null && s.units < b.units() && s.retryAtNanos > now) {
                    return answers.rateRefused(plan, i, retrySeconds(s.retryAtNanos - now), lease.policies(plan, now));
                }
            }
            for (int j = 0; j < plan.accounts().size(); j++) {
                Plan.Account a = plan.accounts().get(j);
                TenantLease.Money m = lease.money.get(a.key());
                if (m != null && m.free() < a.amount() && m.noRoomUntilNanos > now) {
                    return answers.accountRefused(plan, j, lease.policies(plan, now));
                }
            }
        }
        return null;
    }

    /** A Retry-After in whole seconds, at least one. */
    private static long retrySeconds(long nanos) {
        return Math.max(1, Math.ceilDiv(nanos, 1_000_000_000L));
    }

    /**
     * What one renewal asks: each slice's change (units; < 0 given back) and the largest charge a
     * request found short of, the seats wanted (Redis knows what the lease holds), and per account
     * the hold wanted after the report, the use reported (cumulative) and the largest worst case a
     * request found short of.
     */
    private record Renewal(List<TenantLease.Slice> slices, long[] changes, long[] needs, int seatsWanted,
                           List<TenantLease.Money> accounts, long[] holds, long[] spent, long[] moneyNeeds) {
    }

    /**
     * One {@code lease.lua} call for the tenant: grows what requests found short and what the
     * demand calls for, gives back what is idle or far beyond the demand. One at a time per
     * tenant; a second caller gets the one in flight. Never fails: a failed call marks Redis down.
     */
    Future<Void> renew(TenantLease lease) {
        Renewal renewal;
        Promise<Void> done = Promise.promise();
        synchronized (lease) {
            if (lease.renewing != null) {
                return lease.renewing;
            }
            if (!link.up()) {
                return Future.succeededFuture();
            }
            long now = System.nanoTime();
            renewal = plan(lease, now - lease.lastUseNanos > IDLE_NANOS, now);
            if (renewal == null) {
                return Future.succeededFuture();
            }
            lease.renewing = done.future();
        }
        link.call("lease", LimiterScripts.LEASE, keys(lease, renewal), args(lease, renewal)).onComplete(ar -> {
            synchronized (lease) {
                lease.renewing = null;
                if (ar.succeeded()) {
                    apply(lease, renewal, ar.result(), System.nanoTime());
                }
            }
            if (ar.failed()) {
                link.markDown(ar.cause());
            }
            done.complete();
        });
        return done.future();
    }

    /**
     * What to ask Redis (null: nothing). Units given back leave the slice at once: nobody spends
     * them meanwhile. Under the lease's lock.
     */
    private Renewal plan(TenantLease lease, boolean idle, long now) {
        int replicas = link.replicas();
        List<TenantLease.Slice> slices = new ArrayList<>(lease.slices.values());
        long[] changes = new long[slices.size()];
        long[] needs = new long[slices.size()];
        boolean any = false;
        for (int i = 0; i < slices.size(); i++) {
            TenantLease.Slice s = slices.get(i);
            long want = idle ? 0 : s.want(replicas, now);
            needs[i] = s.largestNeed;
            s.shortfall = 0;
            s.largestNeed = 0;
            if (want > s.units) {
                changes[i] = want - s.units;
                s.grew(want, now);
            } else if (s.units > 0 && (idle || s.units > 2 * Math.max(1, s.keep(replicas, want)))) {
                long keep = idle ? 0 : s.keep(replicas, want);
                changes[i] = -(s.units - keep);
                s.units = keep;
            }
            any |= changes[i] != 0;
        }
        int wanted = lease.seatsHeld;
        if (lease.seatLimit > 0 || lease.seatsHeld > 0) {
            if (lease.seatShortfall > 0) {
                lease.seatsRanShort(now);
            }
            int spare = idle ? 0 : lease.spareSeats(replicas);
            wanted = Math.min(lease.seatLimit, lease.seatsInUse + lease.seatShortfall + spare);
            if (wanted < lease.seatsInUse && lease.seatLimit > 0) {
                wanted = Math.min(lease.seatsHeld, lease.seatsInUse); // a lowered limit: running requests keep their seats
            }
            lease.seatShortfall = 0;
        }
        List<TenantLease.Money> accounts = new ArrayList<>(lease.money.size());
        for (TenantLease.Money m : lease.money.values()) {
            if (!m.settledUp() || !idle && now - m.lastAskNanos <= IDLE_NANOS) {
                accounts.add(m); // one that holds nothing and is not asked for is left out: Redis has no part for it
            }
        }
        long[] holds = new long[accounts.size()];
        long[] spent = new long[accounts.size()];
        long[] moneyNeeds = new long[accounts.size()];
        for (int i = 0; i < accounts.size(); i++) {
            TenantLease.Money m = accounts.get(i);
            boolean quiet = idle || now - m.lastAskNanos > IDLE_NANOS;
            long want = quiet ? 0 : m.want(replicas, now);
            moneyNeeds[i] = m.largestNeed;
            m.shortfall = 0;
            m.largestNeed = 0;
            long free = m.free();
            long keep = quiet ? 0 : m.keep(replicas, want);
            spent[i] = m.spent;
            // what is asked is always a hold after the report: the running requests' worst cases and a free part
            if (want > free) {
                m.grew(want, now);
                holds[i] = m.inUse + want;
            } else if (free > 0 && (keep == 0 || free > 2 * keep)) {
                m.held -= free - keep; // given back: nobody reserves on it meanwhile
                holds[i] = m.inUse + keep;
            } else {
                holds[i] = m.inUse + free; // kept as it is
            }
            // a change, or what Redis holds must be heard again, or use to report
            any |= holds[i] != m.inUse + free || !m.confirmed || m.spent > m.reported;
        }
        if (!any && wanted == lease.seatsHeld) {
            return null;
        }
        return new Renewal(slices, changes, needs, wanted, accounts, holds, spent, moneyNeeds);
    }

    private static List<String> keys(TenantLease lease, Renewal renewal) {
        List<String> keys = new ArrayList<>(3 + renewal.slices().size() + renewal.accounts().size());
        keys.add(lease.prefix + "c");
        keys.add(lease.prefix + "h");
        keys.add(lease.prefix + "l");
        renewal.slices().forEach(s -> keys.add(s.key));
        renewal.accounts().forEach(m -> keys.add(m.key));
        return keys;
    }

    private List<String> args(TenantLease lease, Renewal renewal) {
        List<String> args = new ArrayList<>(6 + 3 * renewal.slices().size() + 3 * renewal.accounts().size());
        args.add(Long.toString(link.settings().holdTtlSeconds() * 1000L));
        args.add(lease.leaseId);
        args.add(Integer.toString(lease.seatLimit));
        args.add(Integer.toString(renewal.seatsWanted()));
        args.add(Integer.toString(renewal.slices().size()));
        for (int i = 0; i < renewal.slices().size(); i++) {
            Plan.Bucket b = renewal.slices().get(i).bucket;
            args.add(Double.toString(b.intervalUs()));
            args.add(Double.toString(b.toleranceUs()));
            args.add(Long.toString(renewal.changes()[i]));
        }
        args.add(Integer.toString(renewal.accounts().size()));
        for (int i = 0; i < renewal.accounts().size(); i++) {
            args.add(Long.toString(renewal.accounts().get(i).account.allowance().limit()));
            args.add(Long.toString(renewal.holds()[i]));
            args.add(Long.toString(renewal.spent()[i]));
        }
        return args;
    }

    /** What Redis granted, into the lease; where it had less than requests need, when it will have it. Under the lease's lock. */
    private void apply(TenantLease lease, Renewal renewal, Response r, long now) {
        String before = lease.member;
        lease.member = r.get(0).toString();
        lease.seatsHeld = r.get(1).toInteger();
        if (!lease.member.isEmpty()) {
            renewals.running(lease.leaseId, lease.prefix + "h", lease.member);
        } else if (!before.isEmpty()) {
            renewals.ended(lease.leaseId);
        }
        if (renewal.seatsWanted() > lease.seatsHeld && lease.seatsInUse >= lease.seatsHeld) {
            lease.seatsFullUntilNanos = now + TenantLease.SEATS_FULL_NANOS;
        }
        boolean sameEpoch = lease.epoch == link.outages();
        for (int i = 0; i < renewal.slices().size(); i++) {
            TenantLease.Slice s = renewal.slices().get(i);
            long moved = r.get(2 + 2 * i).toLong();
            s.backlogUs = r.get(3 + 2 * i).toLong();
            s.backlogAtNanos = now;
            if (moved > 0 && sameEpoch) {
                s.units += moved;
            }
            long missing = renewal.needs()[i] - s.units;
            // the bucket is empty: it has room for the request once its backlog has drained that far
            if (moved < renewal.changes()[i] && missing > 0) {
                double retryUs = s.backlogUs + missing * s.bucket.intervalUs() - s.bucket.toleranceUs();
                s.retryAtNanos = now + Math.max(1_000, (long) (retryUs * 1000));
            } else {
                s.retryAtNanos = 0;
            }
        }
        int at = 2 + 2 * renewal.slices().size();
        for (int i = 0; i < renewal.accounts().size(); i++) {
            TenantLease.Money m = renewal.accounts().get(i);
            long held = r.get(at + 2 * i).toLong();
            m.confirmed = true;
            if (held < 0) { // Redis lost the account: its baseline is read again on the per-request path
                watch.forget(m.key);
                m.held = 0;
                m.reported = m.spent;
                m.left = -1;
                continue;
            }
            m.held = held;
            m.reported = renewal.spent()[i];
            m.left = r.get(at + 2 * i + 1).toLong();
            // the account had no room for what a request needs: believed for a moment, refused meanwhile
            m.noRoomUntilNanos = held < renewal.holds()[i] && m.free() < renewal.moneyNeeds()[i] ? now + TenantLease.ACCOUNT_FULL_NANOS : 0;
        }
    }

    /** Every {@value #WINDOW_NANOS} ns: demand estimates move on; idle or oversized leases give back; long-empty ones are forgotten. */
    void tick() {
        long now = System.nanoTime();
        int replicas = link.replicas();
        byTenant.forEach((prefix, lease) -> {
            boolean act;
            synchronized (lease) {
                lease.rollWindow(WINDOW_NANOS);
                lease.syncEpoch(link.outages(), link.up());
                boolean idle = now - lease.lastUseNanos > IDLE_NANOS;
                lease.money.values().removeIf(m -> m.settledUp() && now - m.lastAskNanos > FORGET_NANOS); // a period that ended
                if (idle && now - lease.lastUseNanos > FORGET_NANOS && lease.renewing == null && lease.holdsNothing()) {
                    byTenant.remove(prefix, lease);
                    return;
                }
                act = lease.renewing == null && excess(lease, idle, replicas);
            }
            if (act) {
                renew(lease);
            }
        });
    }

    static long windowMs() {
        return WINDOW_NANOS / 1_000_000;
    }

    /** Whether the lease holds more than it should keep: anything when idle, far beyond the demand otherwise. */
    private static boolean excess(TenantLease lease, boolean idle, int replicas) {
        if (lease.seatsHeld > lease.seatsInUse + (idle ? 0 : lease.spareSeats(replicas))) {
            return true;
        }
        for (TenantLease.Slice s : lease.slices.values()) {
            if (s.units > (idle ? 0 : 2 * Math.max(1, s.keep(replicas, s.target(replicas))))) {
                return true;
            }
        }
        for (TenantLease.Money m : lease.money.values()) {
            if (m.free() > (idle ? 0 : 2 * Math.max(1, m.keep(replicas, m.target(replicas)))) || idle && m.spent > m.reported) {
                return true;
            }
        }
        return false;
    }

    /** At shutdown: what every lease holds goes back (slices and the seats of requests no longer running), unanswered. */
    List<Request> giveBackAll() {
        List<Request> out = new ArrayList<>();
        byTenant.values().forEach(lease -> {
            synchronized (lease) {
                if (lease.renewing != null) {
                    return;
                }
                Renewal renewal = plan(lease, true, System.nanoTime());
                if (renewal != null) {
                    out.add(LimiterScripts.LEASE.call(keys(lease, renewal), args(lease, renewal)));
                }
            }
        });
        return out;
    }

    /**
     * Before {@code plan} is decided per request: what this replica's lease holds unused on the
     * plan's accounts goes back first, so a request that is not the lease's is not refused for
     * money its own replica holds for nobody.
     */
    Future<Void> release(Plan plan) {
        TenantLease lease = byTenant.get(plan.prefix());
        if (lease == null || plan.accounts().isEmpty()) {
            return Future.succeededFuture();
        }
        Future<Void> inFlight;
        synchronized (lease) {
            boolean holds = false;
            for (Plan.Account a : plan.accounts()) {
                TenantLease.Money m = lease.money.get(a.key());
                if (m != null && m.free() > 0) {
                    m.lastAskNanos = 0; // as if idle: the next renewal gives it back
                    holds = true;
                }
            }
            if (!holds) {
                return Future.succeededFuture();
            }
            inFlight = lease.renewing;
        }
        return inFlight == null ? renew(lease) : inFlight.compose(v -> renew(lease));
    }

    /** Admissions decided on leases so far (no round trip of their own). */
    long admitted() {
        return admitted.sum();
    }

    /**
     * An admission decided on a lease: it ends in the lease, not in Redis. Under a small
     * concurrency limit (no spare seats kept) its seat goes back at once, so another replica's
     * request does not wait for it; otherwise the lease's excess goes back at the next tick.
     */
    private final class LeaseHold implements LimiterStore.Hold {
        private final TenantLease lease;
        private final Plan plan;
        private final boolean seat;
        private final long epoch;
        private final AtomicBoolean settled = new AtomicBoolean();

        LeaseHold(TenantLease lease, Plan plan, boolean seat, long epoch) {
            this.lease = lease;
            this.plan = plan;
            this.seat = seat;
            this.epoch = epoch;
        }

        @Override
        public void settle(LimiterStore.Used used) {
            if (settled.compareAndSet(false, true)) {
                boolean giveBack;
                synchronized (lease) {
                    lease.settle(plan, seat, epoch, used);
                    giveBack = seat && lease.renewing == null && !lease.keepsSpares(link.replicas())
                            && lease.seatsHeld > lease.seatsInUse;
                }
                if (giveBack) {
                    renew(lease);
                }
            }
        }
    }
}
