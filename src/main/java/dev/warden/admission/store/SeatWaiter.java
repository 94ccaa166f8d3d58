package dev.warden.admission.store;

import dev.warden.admission.SeatQueue;
import io.vertx.core.Context;
import io.vertx.core.Promise;

/** A request waiting on this replica for its pool's seats; guarded by its {@link RedisSeats}. */
final class SeatWaiter {
    final String tenant;
    final int seats;
    final double weight;
    final boolean isBatch;
    final Promise<SeatQueue.Turn> promise = Promise.promise();
    /** Its event loop, where the answer is delivered (null for a first ask, which never waits here). */
    final Context context;
    long timer = -1;
    boolean done;

    SeatWaiter(String tenant, int seats, double weight, boolean isBatch, Context context) {
        this.tenant = tenant;
        this.seats = seats;
        this.weight = weight;
        this.isBatch = isBatch;
        this.context = context;
    }
}
