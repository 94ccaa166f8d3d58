package dev.warden.pipeline;

import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stage list for one exchange and enforces the stage contract: forward in order until
 * the first {@link Outcome.Respond}; then {@code onComplete} exactly once for every stage that
 * started, in reverse order, whatever happened (a failed future or a thrown exception included).
 *
 * <p>Already-completed futures are followed in a loop, not by callbacks, so a run of synchronous
 * stages costs no allocation beyond the outcomes themselves.
 */
public final class PipelineRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

    private final StageSlot[] slots;
    private final String[] names;
    private final ErrorResponder errors;
    /** The stage outcome counters, looked up once: they carry no tenant (a label per tenant would be stages x results x tenants series). */
    private final StageCounters.Tally tally;

    public PipelineRunner(List<StageSlot> slots, ErrorResponder errors, StageCounters counters) {
        this.slots = slots.stream().filter(StageSlot::enabled).toArray(StageSlot[]::new);
        this.errors = Objects.requireNonNull(errors, "errors");
        this.names = Arrays.stream(this.slots).map(x -> x.stage().name()).toArray(String[]::new);
        this.tally = Objects.requireNonNull(counters, "counters").tally(names);
        if (this.slots.length == 0) {
            throw new IllegalArgumentException("stages: empty (expected: at least one enabled stage)");
        }
    }

    /** The enabled stage names, in order (for the startup log and tests). */
    public List<String> stageNames() {
        return List.of(names);
    }

    /** Runs the exchange to its end; the future completes after every {@code onComplete} ran. */
    public Future<Completion> run(Exchange exchange) {
        Promise<Completion> done = Promise.promise();
        new Run(exchange, done).next(0);
        return done.future();
    }

    private final class Run {
        private final Exchange exchange;
        private final Promise<Completion> done;
        private int started;
        private GatewayError error;

        Run(Exchange exchange, Promise<Completion> done) {
            this.exchange = exchange;
            this.done = done;
        }

        void next(int index) {
            int i = index;
            while (i < slots.length) {
                StageSlot slot = slots[i];
                Future<Outcome> future;
                started = i + 1;
                try {
                    future = slot.stage().onRequest(exchange);
                } catch (RuntimeException e) {
                    future = Future.failedFuture(e);
                }
                if (!future.isComplete()) {
                    final int at = i;
                    future.onComplete(ar -> {
                        if (decide(at, slot, ar.succeeded() ? ar.result() : null, ar.cause())) {
                            next(at + 1);
                        }
                    });
                    return;
                }
                if (!decide(i, slot, future.succeeded() ? future.result() : null, future.cause())) {
                    return;
                }
                i++;
            }
            // A stage list that never answers is a wiring bug; answer rather than hang.
            finish(new Outcome.Respond(new Outcome.Reply.Error(
                    GatewayError.of(ErrorCode.INTERNAL_ERROR, "The request could not be processed.", "no_terminal_stage"))));
        }

        /** Returns true when the run goes on to the next stage. */
        private boolean decide(int index, StageSlot slot, Outcome outcome, Throwable failure) {
            String stage = slot.stage().name();
            if (outcome == null) {
                LOG.error("stage {} failed on {}", stage, exchange, failure);
                count(index, StageCounters.Result.ERROR);
                finish(new Outcome.Respond(new Outcome.Reply.Error(GatewayError.of(ErrorCode.INTERNAL_ERROR,
                        "The request could not be processed.", "stage_failed:" + stage))));
                return false;
            }
            if (outcome instanceof Outcome.Respond respond) {
                if (!slot.enforced() && respond.reply() instanceof Outcome.Reply.Error) {
                    count(index, StageCounters.Result.SHADOW);
                    return true;
                }
                count(index, StageCounters.Result.RESPOND);
                finish(respond);
                return false;
            }
            count(index, StageCounters.Result.CONTINUE);
            return true;
        }

        private void finish(Outcome.Respond respond) {
            switch (respond.reply()) {
                case Outcome.Reply.Error e -> {
                    error = e.error();
                    try {
                        errors.respond(exchange, e.error());
                    } catch (RuntimeException ex) {
                        LOG.error("error responder failed on {}", exchange, ex);
                        exchange.markAborted();
                    }
                    complete();
                }
                case Outcome.Reply.Sent sent -> sent.finished().onComplete(ar -> {
                    if (ar.failed()) {
                        exchange.markAborted();
                    }
                    complete();
                });
            }
        }

        private void complete() {
            Completion completion = new Completion(exchange.responseStatus(), error, exchange.usage(), exchange.aborted());
            for (int i = started - 1; i >= 0; i--) {
                try {
                    slots[i].stage().onComplete(exchange, completion);
                } catch (RuntimeException e) {
                    LOG.error("onComplete of stage {} failed on {}", slots[i].stage().name(), exchange, e);
                }
            }
            done.complete(completion);
        }

        private void count(int stage, StageCounters.Result result) {
            tally.count(stage, result);
        }
    }
}
