package dev.warden.app;

import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import dev.warden.jobs.JobBudget;
import io.vertx.core.Future;
import java.util.List;

/**
 * A job's money on the limiter store: its worst case is admitted like one request of that cost (no
 * rates, no seats: only the tenant's hard budgets), and kept as spent once the job is stored. So
 * jobs and requests share the same accounts on either store, one replica or many.
 */
final class LimiterJobBudget implements JobBudget {
    private final LimiterStore store;

    LimiterJobBudget(LimiterStore store) {
        this.store = store;
    }

    @Override
    public Future<Reserved> reserve(String tenant, String subject, String model, long micros) {
        LimiterStore.Ask ask = new LimiterStore.Ask(new Limiter.Caller(tenant, subject, null, model), RateLimits.NONE,
                new CostEstimate(0, 0, micros, 0, 0, false), 0, List.of());
        return store.admit(ask).map(answer -> answer.hold() == null
                ? new Reserved(answer.refusal(), answer.retryAfterSeconds(), kept -> { })
                : new Reserved(null, 0, kept -> answer.hold().settle(kept ? new LimiterStore.Used(0, 0, micros) : LimiterStore.Used.NOTHING)));
    }

    @Override
    public void refund(String tenant, long micros) {
        store.refund(tenant, micros);
    }
}
