package dev.warden.admission;

import dev.warden.config.PoolConfig;
import java.util.concurrent.ConcurrentHashMap;

/** The fair queue of each pool with a capacity, shared by the event loops; a changed capacity starts a new queue. */
public final class FairQueues {
    private record Entry(PoolConfig.Capacity capacity, FairQueue queue) {
    }

    private final ConcurrentHashMap<String, Entry> byPool = new ConcurrentHashMap<>();

    FairQueue of(String pool, PoolConfig.Capacity capacity) {
        Entry e = byPool.compute(pool, (k, old) -> old != null && old.capacity().equals(capacity) ? old
                : new Entry(capacity, new FairQueue(capacity.seats(), capacity.maxQueuePerTenant(), capacity.queueTimeoutMs(),
                        capacity.batchSharePercent() / 100.0)));
        return e.queue();
    }

    /** Each pool's queue (metrics). */
    public java.util.Map<String, FairQueue> queues() {
        java.util.Map<String, FairQueue> out = new java.util.HashMap<>();
        byPool.forEach((k, v) -> out.put(k, v.queue()));
        return out;
    }
}
