package dev.warden.admission.store;

import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this replica holds of one tenant's limits: a slice of each rate bucket (units taken from the
 * bucket in Redis) and some of its concurrency seats, spent here without asking Redis. Sized from
 * the tenant's recent demand: a quiet tenant holds what its one request needs, a busy one about
 * {@value #HORIZON_MS} ms of its traffic. Guarded by itself; {@link Leases} does the talking to Redis.
 */
final class TenantLease {
    /** A busy tenant holds about this much of its traffic: one renewal per this long, at most. */
    static final long HORIZON_MS = 250;
    /** How long a "no room" answer is believed for a seat (a seat may free on another replica at any time). */
    static final long SEATS_FULL_NANOS = 20_000_000;

    /** One bucket's slice: the units this replica may still admit on it. */
    static final class Slice {
        final String key;
        Plan.Bucket bucket;
        long units;
        /** Units asked by requests that found the slice short, for the next renewal; the largest of them. */
        long shortfall;
        long largestNeed;
        /** Redis had no room for what was asked until then: requests that need more than the slice holds are refused meanwhile. */
        long retryAtNanos;
        /** The bucket's backlog at the last answer, and when: the {@code RateLimit} headers' view of the rest. */
        long backlogUs;
        long backlogAtNanos;
        long usedInWindow;
        double demandPerSecond;
        /** What the last renewal that grew the slice aimed for, and when: a slice short again soon after doubles it. */
        long lastWant;
        long grownAtNanos;

        Slice(String key) {
            this.key = key;
        }

        long cap(int replicas) {
            return Math.max(1, TenantLease.cap(bucket, replicas));
        }

        /**
         * What a renewal should bring the slice to: what requests found short, the demand's target,
         * and twice the last aim if the slice ran short within a horizon of it (a tenant whose
         * traffic grows faster than the demand estimate: slow start, as TCP's), within the cap.
         */
        long want(int replicas, long nowNanos) {
            long grow = shortfall > 0 && nowNanos - grownAtNanos < HORIZON_MS * 1_000_000 ? 2 * lastWant : 0;
            return Math.min(cap(replicas), Math.max(shortfall, Math.max(target(replicas), grow)));
        }

        /** What the slice should hold for the demand seen: {@value #HORIZON_MS} ms of it, within the cap. */
        long target(int replicas) {
            return Math.min(cap(replicas), (long) Math.ceil(demandPerSecond * HORIZON_MS / 1000.0));
        }

        Limiter.Policy policy(long nowNanos) {
            Plan.Bucket b = bucket;
            long backlog = Math.max(0, backlogUs - (nowNanos - backlogAtNanos) / 1000);
            long remaining = (long) Math.max(0, Math.floor((b.toleranceUs() - backlog) / b.intervalUs())) + units;
            return new Limiter.Policy(b.policy(), b.burst(), b.windowSeconds(), Math.min(remaining, b.burst()),
                    Math.ceilDiv(backlog, 1_000_000L));
        }
    }

    /** The most one replica may hold of a bucket: half its burst, shared by the replicas alive. */
    static long cap(Plan.Bucket bucket, int replicas) {
        return bucket.burst() / (2L * Math.max(1, replicas));
    }

    /** What a try on the lease found: taken, refused (by what), or short (Redis must be asked). */
    enum Outcome { TAKEN, REFUSED_SEAT, REFUSED_RATE, SHORT }

    /** The result of one try: the outcome, the refusing bucket's index and retry, and the policies. */
    record Try(Outcome outcome, int bucketIndex, long retryAfterNanos, List<Limiter.Policy> policies) {
    }

    final String prefix;
    final String leaseId;
    final Map<String, Slice> slices = new HashMap<>();
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

    /** The seats' hold in the tenant's holds set ("id|seats"). */
    String seatMember() {
        return leaseId + "|" + seatsHeld;
    }

    /**
     * Redis answers again after an outage: what the slices still hold is dropped, not given back
     * (Redis may have lost the buckets it was taken from). During the outage ({@code up} false)
     * they are spent: they were taken from Redis before it went away.
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
        }
    }

    /**
     * Admits {@code plan} on what the lease holds, all or nothing: a seat (if the tenant has a
     * concurrency limit) and each bucket's charge. Short of something, it is refused only if Redis
     * said recently there is none; otherwise the shortfall is noted for the next renewal.
     */
    Try take(Plan plan, long now) {
        lastUseNanos = now; // asked for, whether or not it can give: a lease in demand is not idle
        seatLimit = plan.ask().limits().concurrency();
        List<Plan.Bucket> buckets = plan.buckets();
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
        if (shortSeat || shortRate) {
            if (shortSeat) {
                seatShortfall++;
            }
            for (Plan.Bucket b : buckets) {
                Slice s = slices.get(b.key());
                if (s.units < b.units()) {
                    s.shortfall += b.units();
                    s.largestNeed = Math.max(s.largestNeed, b.units());
                }
            }
            return new Try(Outcome.SHORT, -1, 0, List.of());
        }
        for (Plan.Bucket b : buckets) {
            Slice s = slices.get(b.key());
            s.units -= b.units();
            s.usedInWindow += b.units();
        }
        if (seatLimit > 0) {
            seatsInUse++;
        }
        startsInWindow++;
        return new Try(Outcome.TAKEN, -1, 0, policies(plan, now));
    }

    /** An admitted request ended: its seat is free here, and what its buckets were charged and it did not use is back in the slices. */
    void settle(Plan plan, boolean seat, long epochTaken, LimiterStore.Used used) {
        if (seat) {
            seatsInUse = Math.max(0, seatsInUse - 1);
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
                    s.usedInWindow -= Math.min(back, s.usedInWindow);
                }
            }
        }
    }

    /** Whether the lease should grow before a request finds it short: a slice under half its target, or no spare seat. */
    boolean runningLow(int replicas) {
        for (Slice s : slices.values()) {
            long target = s.target(replicas);
            if (target > 1 && s.units < target / 2) {
                return true;
            }
        }
        int spare = spareSeats(replicas);
        return seatLimit > 0 && spare > 0 && seatsHeld - seatsInUse < (spare + 1) / 2 && seatsHeld < seatLimit;
    }

    /** The demand of the last window ({@code windowNanos}) folded into the running estimate. */
    void rollWindow(long windowNanos) {
        double seconds = windowNanos / 1e9;
        for (Slice s : slices.values()) {
            s.demandPerSecond = 0.5 * s.demandPerSecond + 0.5 * (s.usedInWindow / seconds);
            s.usedInWindow = 0;
        }
        startsPerSecond = 0.5 * startsPerSecond + 0.5 * (startsInWindow / seconds);
        startsInWindow = 0;
        if (seatShortfall == 0) {
            seatBoost /= 2;
        }
    }

    boolean holdsNothing() {
        if (seatsHeld > 0 || seatsInUse > 0) {
            return false;
        }
        for (Slice s : slices.values()) {
            if (s.units > 0) {
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
