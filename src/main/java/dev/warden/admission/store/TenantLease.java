package dev.warden.admission.store;

import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this replica holds of one tenant's limits: a slice of each rate bucket (units taken from the
 * bucket in Redis), some of its concurrency seats, and a hold on each budget or quota account
 * (reserved there like a request's worst case), spent here without asking Redis. Sized from the
 * tenant's recent demand: a quiet tenant holds what its one request needs, a busy one about
 * {@value #HORIZON_MS} ms of its traffic. Guarded by itself; {@link Leases} does the talking to Redis.
 */
final class TenantLease {
    /** A busy tenant holds about this much of its traffic: one renewal per this long, at most. */
    static final long HORIZON_MS = 250;
    /** How long a "no room" answer is believed for a seat (a seat may free on another replica at any time). */
    static final long SEATS_FULL_NANOS = 20_000_000;
    /** How long a "no room" answer is believed for an account (what other replicas' requests did not spend comes back). */
    static final long ACCOUNT_FULL_NANOS = 100_000_000;

    /**
     * The part of a lease sized from demand: what requests found short for the next renewal, the
     * demand estimate, and the last aim (a share short again soon after it grew doubles: slow
     * start, as TCP's).
     */
    abstract static class Share {
        final String key;
        /** Asked by requests that found the share short, for the next renewal; the largest of them. */
        long shortfall;
        long largestNeed;
        long usedInWindow;
        double demandPerSecond;
        long lastWant;
        long grownAtNanos;
        /** What renewals aimed for lately, halved each window: the demand estimate lags a tenant that just started. */
        long aim;

        Share(String key) {
            this.key = key;
        }

        /** The most this replica may hold unused. */
        abstract long cap(int replicas);

        /** What a renewal should bring the unused part to: what requests found short, the demand's target, or twice the last aim. */
        long want(int replicas, long nowNanos) {
            long grow = shortfall > 0 && nowNanos - grownAtNanos < HORIZON_MS * 1_000_000 ? 2 * lastWant : 0;
            return Math.min(cap(replicas), Math.max(shortfall, Math.max(target(replicas), grow)));
        }

        /** What the share should hold unused for the demand seen: {@value #HORIZON_MS} ms of it, within the cap. */
        long target(int replicas) {
            return Math.min(cap(replicas), (long) Math.ceil(demandPerSecond * HORIZON_MS / 1000.0));
        }

        /**
         * What the share keeps unused when it is not idle: its want, or its recent aim within the cap
         * (a renewal for another share must not give back what the demand estimate has not caught up with).
         */
        long keep(int replicas, long want) {
            return Math.max(want, Math.min(aim, cap(replicas)));
        }

        /** A renewal grows the share to {@code want}. */
        void grew(long want, long nowNanos) {
            lastWant = want;
            grownAtNanos = nowNanos;
            aim = Math.max(aim, want);
        }

        void noteShort(long need) {
            shortfall += need;
            largestNeed = Math.max(largestNeed, need);
        }

        void rollWindow(double seconds) {
            demandPerSecond = 0.5 * demandPerSecond + 0.5 * (usedInWindow / seconds);
            usedInWindow = 0;
            aim /= 2;
        }

        void used(long amount) {
            usedInWindow += amount;
        }

        void unused(long amount) {
            usedInWindow -= Math.min(amount, usedInWindow);
        }
    }

    /** One bucket's slice: the units this replica may still admit on it. */
    static final class Slice extends Share {
        Plan.Bucket bucket;
        long units;
        /** Redis had no room for what was asked until then: requests that need more than the slice holds are refused meanwhile. */
        long retryAtNanos;
        /** The bucket's backlog at the last answer, and when: the {@code RateLimit} headers' view of the rest. */
        long backlogUs;
        long backlogAtNanos;

        Slice(String key) {
            super(key);
        }

        @Override
        long cap(int replicas) {
            return Math.max(1, TenantLease.cap(bucket, replicas));
        }

        Limiter.Policy policy(long nowNanos) {
            Plan.Bucket b = bucket;
            long backlog = Math.max(0, backlogUs - (nowNanos - backlogAtNanos) / 1000);
            long remaining = (long) Math.max(0, Math.floor((b.toleranceUs() - backlog) / b.intervalUs())) + units;
            return new Limiter.Policy(b.policy(), b.burst(), b.windowSeconds(), Math.min(remaining, b.burst()),
                    Math.ceilDiv(backlog, 1_000_000L));
        }
    }

    /**
     * The lease's hold on one budget or quota account (micro-units or tokens): reserved in Redis,
     * spent here. Requests reserve their worst case on it and give back what they did not use; what
     * they used is reported to Redis with the next renewal (cumulative, so a report whose answer was
     * lost counts once). Redis's hold always covers the running requests' worst cases and the use not
     * yet reported, so the account can never be overspent; if the replica dies, the hold counts as spent.
     */
    static final class Money extends Share {
        Plan.Account account;
        /** Redis's hold for this lease on the account, as last answered (what a renewal gives back leaves it at once). */
        long held;
        /** The worst cases of the running requests admitted on it. */
        long inUse;
        /** Use settled here while the hold lives (cumulative), and how much of it Redis has counted. */
        long spent;
        long reported;
        /** What the account had unreserved at the last answer (-1: not asked yet). */
        long left = -1;
        /** False after an outage until Redis answers: it may have lost the hold, so nothing is spent on it meanwhile. */
        boolean confirmed = true;
        /** Redis had no room for what requests needed: those that need more than is free are refused until then. */
        long noRoomUntilNanos;
        long lastAskNanos;

        Money(String key) {
            super(key);
        }

        /** What requests may still reserve here: the hold less the running requests' worst cases and the unreported use. */
        long free() {
            return confirmed ? held - inUse - (spent - reported) : 0;
        }

        /**
         * At most a quarter of what the account has left (as last seen) shared by the replicas alive:
         * what one replica holds unused is reserved for nobody else, and a budget refusal lasts.
         */
        @Override
        long cap(int replicas) {
            long remaining = left < 0 ? account.allowance().limit() : left + Math.max(0, free());
            return Math.max(0, remaining) / (4L * Math.max(1, replicas));
        }

        /** At least the largest worst case a request found short of, whatever the cap: Redis grants it only if the account has room. */
        @Override
        long want(int replicas, long nowNanos) {
            return Math.max(super.want(replicas, nowNanos), largestNeed);
        }

        /** Holds nothing in Redis and owes it nothing: safe to leave out of a renewal. */
        boolean settledUp() {
            return held == 0 && inUse == 0 && spent == reported && confirmed;
        }

        long usedBy(LimiterStore.Used used) {
            return account.allowance().tokens() ? used.tokens() : used.micros();
        }
    }

    /** The most one replica may hold of a bucket: half its burst, shared by the replicas alive. */
    static long cap(Plan.Bucket bucket, int replicas) {
        return bucket.burst() / (2L * Math.max(1, replicas));
    }

    /** What a try on the lease found: taken, refused (by what), or short (Redis must be asked). */
    enum Outcome { TAKEN, REFUSED_SEAT, REFUSED_RATE, REFUSED_ACCOUNT, SHORT }

    /** The result of one try: the outcome, the refusing bucket's or account's index and retry, and the policies. */
    record Try(Outcome outcome, int index, long retryAfterNanos, List<Limiter.Policy> policies) {
    }

    final String prefix;
    final String leaseId;
    final Map<String, Slice> slices = new HashMap<>();
    final Map<String, Money> money = new HashMap<>();
    int seatLimit;
    int seatsHeld;
    int seatsInUse;
    /** A request found no free seat: the next renewal asks one more for it. */
    int seatShortfall;
    long seatsFullUntilNanos;
    long startsInWindow;
    double startsPerSecond;
    /** Spare seats grown by requests that found none (doubling while it keeps happening), halved each quiet window. */
    int seatBoost;
    long seatsGrownAtNanos;
    /** The lease's member in the tenant's holds, as Redis last wrote it ("" when it holds nothing there). */
    String member = "";
    /** The outage number the slices were granted after: once Redis is back from a later one, they are dropped. */
    long epoch;
    long lastUseNanos;
    /** The renewal in flight (null: none), which requests that found the lease short wait for. */
    io.vertx.core.Future<Void> renewing;

    TenantLease(String prefix, String leaseId, long epoch, long nowNanos) {
        this.prefix = prefix;
        this.leaseId = leaseId;
        this.epoch = epoch;
        this.lastUseNanos = nowNanos;
    }

    /** Seats kept free for the requests about to start: a busy tenant's next ones, at most a quarter of its limit per replica. */
    int spareSeats(int replicas) {
        int share = seatLimit / (4 * Math.max(1, replicas));
        return (int) Math.min(share, Math.max(seatBoost, Math.ceil(startsPerSecond * HORIZON_MS / 1000.0)));
    }

    /** Whether spare seats can be kept at all: a small limit's seats go back as soon as they are free. */
    boolean keepsSpares(int replicas) {
        return seatLimit / (4 * Math.max(1, replicas)) > 0;
    }

    /** A request found no free seat: if it happened again within a horizon, the spare doubles. */
    void seatsRanShort(long nowNanos) {
        seatBoost = nowNanos - seatsGrownAtNanos < HORIZON_MS * 1_000_000 ? Math.max(1, 2 * seatBoost) : Math.max(1, seatBoost);
        seatsGrownAtNanos = nowNanos;
    }

    /**
     * Redis answers again after an outage: what the slices still hold is dropped, not given back
     * (Redis may have lost the buckets it was taken from), and nothing is spent on the account holds
     * until Redis has said what it still holds. During the outage ({@code up} false) they are spent:
     * they were taken from Redis before it went away.
     */
    void syncEpoch(long outages, boolean up) {
        if (epoch != outages && up) {
            epoch = outages;
            for (Slice s : slices.values()) {
                s.units = 0;
                s.retryAtNanos = 0;
                s.shortfall = 0;
                s.largestNeed = 0;
            }
            for (Money m : money.values()) {
                m.confirmed = false;
                m.noRoomUntilNanos = 0;
            }
        }
    }

    /**
     * Admits {@code plan} on what the lease holds, all or nothing: a seat (if the tenant has a
     * concurrency limit), each bucket's charge and each account's worst case. Short of something, it
     * is refused only if Redis said recently there is none; otherwise the shortfall is noted for the
     * next renewal.
     */
    Try take(Plan plan, long now) {
        lastUseNanos = now; // asked for, whether or not it can give: a lease in demand is not idle
        seatLimit = plan.ask().limits().concurrency();
        List<Plan.Bucket> buckets = plan.buckets();
        List<Plan.Account> accounts = plan.accounts();
        for (Plan.Account a : accounts) {
            Money m = money.computeIfAbsent(a.key(), Money::new);
            m.account = a;
            m.lastAskNanos = now;
        }
        boolean shortSeat = seatLimit > 0 && seatsInUse >= seatsHeld;
        if (shortSeat && seatsFullUntilNanos > now) {
            return new Try(Outcome.REFUSED_SEAT, -1, SEATS_FULL_NANOS, List.of());
        }
        boolean shortRate = false;
        int refusedBy = -1;
        long retry = 0;
        for (int i = 0; i < buckets.size(); i++) {
            Plan.Bucket b = buckets.get(i);
            Slice s = slices.computeIfAbsent(b.key(), Slice::new);
            s.bucket = b;
            if (s.units < b.units()) {
                if (s.retryAtNanos > now && refusedBy < 0) {
                    refusedBy = i;
                    retry = s.retryAtNanos - now;
                }
                shortRate = true;
            }
        }
        if (refusedBy >= 0) {
            return new Try(Outcome.REFUSED_RATE, refusedBy, retry, policies(plan, now));
        }
        boolean shortMoney = false;
        for (int j = 0; j < accounts.size(); j++) {
            Plan.Account a = accounts.get(j);
            Money m = money.get(a.key());
            if (m.free() < a.amount()) {
                if (m.noRoomUntilNanos > now) {
                    return new Try(Outcome.REFUSED_ACCOUNT, j, 0, policies(plan, now));
                }
                shortMoney = true;
            }
        }
        if (shortSeat || shortRate || shortMoney) {
            if (shortSeat) {
                seatShortfall++;
            }
            for (Plan.Bucket b : buckets) {
                Slice s = slices.get(b.key());
                if (s.units < b.units()) {
                    s.noteShort(b.units());
                }
            }
            for (Plan.Account a : accounts) {
                Money m = money.get(a.key());
                if (m.free() < a.amount()) {
                    m.noteShort(a.amount());
                }
            }
            return new Try(Outcome.SHORT, -1, 0, List.of());
        }
        for (Plan.Bucket b : buckets) {
            Slice s = slices.get(b.key());
            s.units -= b.units();
            s.used(b.units());
        }
        for (Plan.Account a : accounts) {
            Money m = money.get(a.key());
            m.inUse += a.amount();
            m.used(a.amount());
        }
        if (seatLimit > 0) {
            seatsInUse++;
        }
        startsInWindow++;
        return new Try(Outcome.TAKEN, -1, 0, policies(plan, now));
    }

    /**
     * An admitted request ended: its seat is free here, what its buckets were charged and it did not
     * use is back in the slices, and its worst case on each account becomes its use (reported with
     * the next renewal) and the rest free again.
     */
    void settle(Plan plan, boolean seat, long epochTaken, LimiterStore.Used used) {
        if (seat) {
            seatsInUse = Math.max(0, seatsInUse - 1);
        }
        for (Plan.Account a : plan.accounts()) {
            Money m = money.get(a.key());
            if (m != null) {
                long spent = m.usedBy(used);
                m.inUse = Math.max(0, m.inUse - a.amount());
                m.spent += spent;
                m.unused(Math.max(0, a.amount() - spent));
            }
        }
        if (epochTaken != epoch) {
            return; // taken before an outage Redis has come back from: dropped with the rest
        }
        for (Plan.Bucket b : plan.buckets()) {
            long back = b.unused(plan.ask(), used);
            if (back > 0) {
                Slice s = slices.get(b.key());
                if (s != null) {
                    s.units += back;
                    s.unused(back);
                }
            }
        }
    }

    /** Whether the lease should grow before a request finds it short: a share under half its target, or no spare seat. */
    boolean runningLow(int replicas) {
        for (Slice s : slices.values()) {
            long target = s.target(replicas);
            if (target > 1 && s.units < target / 2) {
                return true;
            }
        }
        for (Money m : money.values()) {
            long target = m.target(replicas);
            if (target > 1 && m.free() < target / 2) {
                return true;
            }
        }
        int spare = spareSeats(replicas);
        return seatLimit > 0 && spare > 0 && seatsHeld - seatsInUse < (spare + 1) / 2 && seatsHeld < seatLimit;
    }

    /** The demand of the last window ({@code windowNanos}) folded into the running estimate. */
    void rollWindow(long windowNanos) {
        double seconds = windowNanos / 1e9;
        slices.values().forEach(s -> s.rollWindow(seconds));
        money.values().forEach(m -> m.rollWindow(seconds));
        startsPerSecond = 0.5 * startsPerSecond + 0.5 * (startsInWindow / seconds);
        startsInWindow = 0;
        if (seatShortfall == 0) {
            seatBoost /= 2;
        }
    }

    boolean holdsNothing() {
        if (seatsHeld > 0 || seatsInUse > 0 || !member.isEmpty()) {
            return false;
        }
        for (Slice s : slices.values()) {
            if (s.units > 0) {
                return false;
            }
        }
        for (Money m : money.values()) {
            if (!m.settledUp()) {
                return false;
            }
        }
        return true;
    }

    List<Limiter.Policy> policies(Plan plan, long now) {
        List<Limiter.Policy> out = new ArrayList<>(plan.buckets().size());
        for (Plan.Bucket b : plan.buckets()) {
            out.add(slices.get(b.key()).policy(now));
        }
        return out;
    }
}
