package dev.warden.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The generic cell rate algorithm over many keys, lock-free: each key holds one theoretical
 * arrival time (TAT, in nanoseconds) changed by compare-and-set. A limit of {@code rate} units per
 * minute with a burst of {@code burst} units admits a request of {@code cost} units when the
 * bucket, drained at the rate, has room for it (a request larger than the burst is admitted only
 * into an empty bucket, and then pays its full cost: the long-run rate holds). A refused request
 * changes nothing. What a request did not use is given back ({@link #refund}), never below "now":
 * idle time banks no credit beyond the burst.
 */
final class Gcra {
    /** The outcome for one key: admitted or not, when to retry, what is left of the burst. */
    record Decision(boolean allowed, long retryAfterNanos, long remaining, long resetNanos) {
    }

    private final ConcurrentHashMap<String, AtomicLong> tats = new ConcurrentHashMap<>();
    /** A new key's bucket starts empty (no burst banked) instead of full. */
    private final boolean startEmpty;
    private static final long NOW = Long.MIN_VALUE;
    /** When the buckets were emptied ({@link #clear(long)}): a new key has refilled since then; {@link #NOW}: it starts empty now. */
    private volatile long emptySince = NOW;

    Gcra() {
        this(false);
    }

    Gcra(boolean startEmpty) {
        this.startEmpty = startEmpty;
    }

    static long intervalNanos(long perMinute) {
        return Math.max(1, 60_000_000_000L / perMinute);
    }

    Decision take(String key, long cost, long perMinute, long burst, long now) {
        long interval = intervalNanos(perMinute);
        long tolerance = saturatedMultiply(burst, interval);
        long charge = saturatedMultiply(cost, interval);
        long needed = Math.min(charge, tolerance); // room a request needs; larger ones need an empty bucket
        AtomicLong tat = tats.computeIfAbsent(key, k -> new AtomicLong(startEmpty ? emptyAt(now) + tolerance : now));
        while (true) {
            long current = tat.get();
            long base = Math.max(current, now);
            long backlog = base - now;
            if (backlog + needed > tolerance) {
                long retry = backlog + needed - tolerance;
                return new Decision(false, retry, Math.max(0, (tolerance - backlog) / interval), backlog);
            }
            long next = base + charge;
            if (tat.compareAndSet(current, next)) {
                long left = Math.max(0, tolerance - (next - now));
                return new Decision(true, 0, left / interval, next - now);
            }
        }
    }

    /** Gives back {@code units} a request reserved and did not use. */
    void refund(String key, long units, long perMinute, long now) {
        AtomicLong tat = tats.get(key);
        if (tat == null || units <= 0) {
            return;
        }
        long back = saturatedMultiply(units, intervalNanos(perMinute));
        tat.getAndUpdate(current -> Math.max(now, current - back));
    }

    /** Forgets every key: each bucket starts afresh (empty, if this one starts them empty). */
    void clear() {
        emptySince = NOW;
        tats.clear();
    }

    /** Forgets every key; buckets that start empty are empty as of {@code since} and have refilled at their rate since. */
    void clear(long since) {
        emptySince = since;
        tats.clear();
    }

    private long emptyAt(long now) {
        long since = emptySince;
        return since == NOW ? now : Math.min(since, now);
    }

    /** Forgets keys whose bucket has been empty since {@code now}: bounded memory. */
    void sweep(long now) {
        tats.entrySet().removeIf(e -> e.getValue().get() < now);
    }

    int size() {
        return tats.size();
    }

    private static long saturatedMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE / 4 : lo;
    }
}
