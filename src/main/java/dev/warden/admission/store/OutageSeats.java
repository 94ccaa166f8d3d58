package dev.warden.admission.store;

import dev.warden.admission.FairQueue;
import dev.warden.admission.FairQueues;
import dev.warden.config.PoolConfig;
import java.util.function.IntSupplier;

/**
 * A pool's seats while Redis is away: this replica's share of them (the seats divided by the
 * replicas that were alive), in a local fair queue made the first time it is needed.
 */
final class OutageSeats {
    private final PoolConfig.Capacity capacity;
    private final IntSupplier replicas;
    private volatile FairQueue queue;

    OutageSeats(PoolConfig.Capacity capacity, IntSupplier replicas) {
        this.capacity = capacity;
        this.replicas = replicas;
    }

    FairQueue queue() {
        FairQueue q = queue;
        if (q == null) {
            synchronized (this) {
                if (queue == null) {
                    int share = Math.max(1, capacity.seats() / Math.max(1, replicas.getAsInt()));
                    queue = FairQueues.local(new PoolConfig.Capacity(share, capacity.seatUnits(), capacity.maxQueuePerTenant(),
                            capacity.queueTimeoutMs(), capacity.batchSharePercent()));
                }
                q = queue;
            }
        }
        return q;
    }

    /** Free seats of the local share, or {@code otherwise} if it was never needed. */
    int freeSeats(int otherwise) {
        FairQueue q = queue;
        return q == null ? otherwise : q.freeSeats();
    }

    long queuedTotal() {
        FairQueue q = queue;
        return q == null ? 0 : q.queuedTotal();
    }

    long timedOutTotal() {
        FairQueue q = queue;
        return q == null ? 0 : q.timedOutTotal();
    }
}
