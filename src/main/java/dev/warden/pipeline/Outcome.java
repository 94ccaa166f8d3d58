package dev.warden.pipeline;

import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * What a stage decided: let the exchange go on, or end it.
 *
 * <p>{@link Respond} either carries a {@link GatewayError} (rendered as problem+json in one place,
 * {@code http.ProblemWriter}) or says the stage has already answered the client itself
 * ({@link Reply.Sent}, e.g. a relayed upstream stream or a locally built JSON body).
 */
public sealed interface Outcome {

    Continue CONTINUE = new Continue();
    Future<Outcome> CONTINUE_FUTURE = Future.succeededFuture(CONTINUE);

    record Continue() implements Outcome {
    }

    record Respond(Reply reply) implements Outcome {
    }

    static Outcome reject(GatewayError error) {
        return new Respond(new Reply.Error(error));
    }

    static Future<Outcome> rejectNow(GatewayError error) {
        return Future.succeededFuture(reject(error));
    }

    static Future<Outcome> continueNow() {
        return CONTINUE_FUTURE;
    }

    /** How a {@link Respond} reaches the client. */
    sealed interface Reply {
        record Error(GatewayError error) implements Reply {
        }

        /** The stage wrote (or is streaming) the response; the runner only waits for the end. */
        record Sent(Future<Void> finished) implements Reply {
        }
    }
}
