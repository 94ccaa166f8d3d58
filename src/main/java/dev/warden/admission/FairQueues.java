package dev.warden.admission;

import dev.warden.config.PoolConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The seat queue of each pool with a capacity, shared by the event loops; a changed capacity
 * starts a new queue. Local ({@link FairQueue}) unless built with another kind (the redis store's).
 */
public final class FairQueues {
    private record Entry(PoolConfig.Capacity capacity, SeatQueue queue) {
    }

    private final ConcurrentHashMap<String, Entry> byPool = new ConcurrentHashMap<>();
    private final BiFunction<String, PoolConfig.Capacity, SeatQueue> factory;

    /** This process's fair queues. */
    public FairQueues() {
        this((pool, c) -> local(c));
    }

    /** Queues made by {@code factory} (pool name, capacity). */
    public FairQueues(BiFunction<String, PoolConfig.Capacity, SeatQueue> factory) {
        this.factory = factory;
    }

    /** A fair queue of this process over {@code capacity}. */
    public static FairQueue local(PoolConfig.Capacity capacity) {
        return new FairQueue(capacity.seats(), capacity.maxQueuePerTenant(), capacity.queueTimeoutMs(),
                capacity.batchSharePercent() / 100.0);
    }

    SeatQueue of(String pool, PoolConfig.Capacity capacity) {
        Entry e = byPool.compute(pool, (k, old) -> old != null && old.capacity().equals(capacity) ? old
                : new Entry(capacity, factory.apply(pool, capacity)));
        return e.queue();
    }

    /** Each pool's queue (metrics). */
    public Map<String, SeatQueue> queues() {
        Map<String, SeatQueue> out = new HashMap<>();
        byPool.forEach((k, v) -> out.put(k, v.queue()));
        return out;
    }
}
