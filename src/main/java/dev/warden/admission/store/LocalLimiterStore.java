package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.Refusal;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * The limiter store of one replica: rates, concurrency and pacing in the process's lock-free
 * {@link Limiter}, hard budgets and token quotas in its {@link BudgetBook}. Without budgets to
 * read, a decision is made on the calling thread and returned as a completed future.
 */
public final class LocalLimiterStore implements LimiterStore {
    private final Limiter limiter;
    private final BudgetBook budgets;

    /** {@code budgets} null: no budget or quota enforcement (no control store). */
    public LocalLimiterStore(Limiter limiter, BudgetBook budgets) {
        this.limiter = limiter;
        this.budgets = budgets;
    }

    @Override
    public Future<Answer> admit(Ask ask) {
        Limiter.Decision d = limiter.admit(ask.caller(), ask.limits(), ask.estimate(), System.nanoTime());
        if (d.refusal() != null) {
            return Future.succeededFuture(Answer.refused(d.refusal(), d.retryAfterSeconds(), d.policies()));
        }
        List<Limiter.Policy> policies = d.policies();
        if (ask.paceMicrosPerMinute() > 0) {
            Limiter.Decision paced = limiter.pace(ask.caller().tenant(), ask.worstMicros(), ask.paceMicrosPerMinute(),
                    ask.limits().burstSeconds(), ask.limits().enforced(), System.nanoTime());
            policies = new ArrayList<>(policies);
            policies.addAll(paced.policies());
            if (paced.refusal() != null) {
                limiter.release(d.reservation(), System.nanoTime());
                return Future.succeededFuture(Answer.refused(paced.refusal(), paced.retryAfterSeconds(), policies));
            }
        }
        List<Limiter.Policy> all = policies;
        if (budgets == null) {
            return Future.succeededFuture(new Answer(new Held(limiter, null, d.reservation(), BudgetBook.Hold.NONE), null, 0, all));
        }
        Future<BudgetBook.Reservation> reserved = budgets.reserve(ask.caller().tenant(), ask.worstMicros(), ask.worstTokens(),
                ask.quotas(), System.currentTimeMillis());
        return reserved.transform(ar -> {
            if (ar.succeeded() && ar.result() instanceof BudgetBook.Hold hold) {
                return Future.succeededFuture(new Answer(new Held(limiter, budgets, d.reservation(), hold), null, 0, all));
            }
            limiter.release(d.reservation(), System.nanoTime()); // nothing ran: the rates' reservation comes back
            return ar.succeeded() && ar.result() instanceof Refusal refusal
                    ? Future.succeededFuture(Answer.refused(refusal.error(), refusal.retryAfterSeconds(), all))
                    : Future.failedFuture(ar.cause());
        });
    }

    @Override
    public void refund(String tenant, long micros) {
        if (budgets != null) {
            budgets.refund(tenant, micros, System.currentTimeMillis());
        }
    }

    @Override
    public long refusals(String code, String mode) {
        var rates = limiter.refusals().get(code + "|" + mode);
        var spend = budgets == null ? null : budgets.refusals().get(code + "|" + mode);
        return (rates == null ? 0 : rates.sum()) + (spend == null ? 0 : spend.sum());
    }

    /** The rates' reservation and the budgets' hold of one request. */
    private record Held(Limiter limiter, BudgetBook budgets, Limiter.Reservation reservation, BudgetBook.Hold budget) implements Hold {
        @Override
        public void settle(Used used) {
            limiter.settle(reservation, used.tokens(), used.computeUnits(), System.nanoTime());
            if (budgets != null) {
                budgets.settle(budget, used.micros(), used.tokens());
            }
        }
    }
}
