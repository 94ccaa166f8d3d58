package dev.warden.pipeline;

import io.vertx.core.Future;

/**
 * One step of the data-plane pipeline.
 *
 * <p>{@link #onRequest} runs in list order until a stage answers {@link Outcome.Respond};
 * {@link #onComplete} then runs exactly once for every stage whose {@code onRequest} started, in
 * reverse order, whatever happened. Stages that need no I/O return an already completed future
 * ({@link Outcome#continueNow()}); nothing here may block the event loop.
 */
public interface Stage {

    /** Short, stable name used in metrics ({@code identify}, {@code authenticate}...). */
    String name();

    Future<Outcome> onRequest(Exchange exchange);

    default void onComplete(Exchange exchange, Completion completion) {
    }
}
