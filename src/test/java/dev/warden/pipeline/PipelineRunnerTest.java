package dev.warden.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stage contract, checked with small scripted stages (test implementations of the interface). */
class PipelineRunnerTest {
    private final List<String> log = new ArrayList<>();
    private final List<GatewayError> written = new ArrayList<>();
    private final List<String> counted = new ArrayList<>();

    private final class Scripted implements Stage {
        private final String name;
        private final Future<Outcome> outcome;

        Scripted(String name, Future<Outcome> outcome) {
            this.name = name;
            this.outcome = outcome;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Future<Outcome> onRequest(Exchange exchange) {
            log.add("request:" + name);
            return outcome;
        }

        @Override
        public void onComplete(Exchange exchange, Completion completion) {
            log.add("complete:" + name + (completion.error() == null ? "" : ":" + completion.error().code().code()));
        }
    }

    private PipelineRunner runner(StageSlot... slots) {
        return new PipelineRunner(List.of(slots), (ex, e) -> written.add(e),
                stages -> (stage, result) -> counted.add(stages[stage] + "=" + result));
    }

    private static Exchange exchange() {
        return new Exchange(new InboundRequest(Operation.CHAT_COMPLETIONS, null, null, MultiMap.caseInsensitiveMultiMap(),
                "127.0.0.1", null), System.nanoTime());
    }

    private static final GatewayError NO = GatewayError.of(ErrorCode.FORBIDDEN, "no");

    @Test
    void stopsAtTheFirstRespondAndCompletesStartedStagesInReverse() {
        Completion c = runner(
                StageSlot.always(new Scripted("a", Outcome.continueNow())),
                StageSlot.always(new Scripted("b", Outcome.rejectNow(NO))),
                StageSlot.always(new Scripted("c", Outcome.continueNow()))).run(exchange()).result();
        assertThat(log).containsExactly("request:a", "request:b", "complete:b:forbidden", "complete:a:forbidden");
        assertThat(written).containsExactly(NO);
        assertThat(c.error()).isEqualTo(NO);
        assertThat(counted).containsExactly("a=CONTINUE", "b=RESPOND");
    }

    @Test
    void shadowModeCountsTheRefusalAndGoesOn() {
        runner(new StageSlot(new Scripted("policy", Outcome.rejectNow(NO)), true, false),
                StageSlot.always(new Scripted("end", Future.succeededFuture(
                        new Outcome.Respond(new Outcome.Reply.Sent(Future.succeededFuture())))))).run(exchange());
        assertThat(counted).containsExactly("policy=SHADOW", "end=RESPOND");
        assertThat(written).isEmpty();
        assertThat(log).containsExactly("request:policy", "request:end", "complete:end", "complete:policy");
    }

    @Test
    void disabledStagesDoNotRun() {
        runner(new StageSlot(new Scripted("off", Outcome.rejectNow(NO)), false, true),
                StageSlot.always(new Scripted("b", Outcome.rejectNow(NO)))).run(exchange());
        assertThat(log).containsExactly("request:b", "complete:b:forbidden");
    }

    @Test
    void aThrowingOrFailingStageBecomesAnInternalErrorAndStillCompletes() {
        Stage thrower = new Stage() {
            @Override
            public String name() {
                return "thrower";
            }

            @Override
            public Future<Outcome> onRequest(Exchange exchange) {
                throw new IllegalStateException("bug");
            }

            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                log.add("complete:thrower");
            }
        };
        Completion c = runner(StageSlot.always(new Scripted("a", Outcome.continueNow())), StageSlot.always(thrower))
                .run(exchange()).result();
        assertThat(c.error().code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(written.get(0).detail()).doesNotContain("bug");
        assertThat(log).containsExactly("request:a", "complete:thrower", "complete:a:internal_error");
        assertThat(counted).containsExactly("a=CONTINUE", "thrower=ERROR");
    }

    @Test
    void asynchronousStagesResumeTheRunWhenTheyComplete() {
        Promise<Outcome> later = Promise.promise();
        Future<Completion> done = runner(StageSlot.always(new Scripted("wait", later.future())),
                StageSlot.always(new Scripted("b", Outcome.rejectNow(NO)))).run(exchange());
        assertThat(done.isComplete()).isFalse();
        assertThat(log).containsExactly("request:wait");
        later.complete(Outcome.CONTINUE);
        assertThat(done.isComplete()).isTrue();
        assertThat(log).containsExactly("request:wait", "request:b", "complete:b:forbidden", "complete:wait:forbidden");
    }

    @Test
    void aListThatNeverAnswersIsAnInternalError() {
        Completion c = runner(StageSlot.always(new Scripted("a", Outcome.continueNow()))).run(exchange()).result();
        assertThat(c.error().code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(c.error().reason()).isEqualTo("no_terminal_stage");
    }
}
