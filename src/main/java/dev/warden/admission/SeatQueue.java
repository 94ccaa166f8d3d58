package dev.warden.admission;

import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * One pool's seats, handed out in the tenants' fair turns: {@link FairQueue} in this process, or
 * {@code store.RedisSeats} across every replica.
 */
public interface SeatQueue {
    /** What an ask for seats came to: the seats, or a {@link Refusal} ({@code queue_full}, {@code queue_timeout}). */
    sealed interface Turn permits Held, Refusal {
    }

    /** Seats an admitted request holds until it ends. */
    non-sealed interface Held extends Turn {
        /** Gives the seats back (once). */
        void release();
    }

    /**
     * Seats for one request of {@code tenant} (weight {@code weight}), now or in its fair turn;
     * {@code context} is the caller's event loop, where the answer is delivered: the seats, or a
     * {@link Refusal} ({@code queue_full}, {@code queue_timeout}).
     */
    Future<Turn> acquire(String tenant, int seats, double weight, boolean isBatch, Context context);

    /** Free seats now, as this replica knows them (metrics). */
    int freeSeats();

    /** Requests of this replica waiting for seats now (metrics, forecasts). */
    int waitingNow();

    /** Requests that ever waited here, and those whose wait ran out (metrics). */
    long queuedTotal();

    long timedOutTotal();
}
