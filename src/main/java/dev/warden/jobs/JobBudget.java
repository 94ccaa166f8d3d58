package dev.warden.jobs;

import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * Where a job's money is held: the tenant's hard budgets, the same accounts its requests reserve
 * on (so requests and jobs together can never overspend them). A job reserves its worst case when
 * it is admitted; the reservation stays counted as spent while the job runs (its charges are part
 * of it), and what it did not use comes back when it ends.
 */
public interface JobBudget {
    /** No budgets (no control store or limiter): every job is admitted, nothing is held. */
    JobBudget NONE = new JobBudget() {
        @Override
        public Future<Reserved> reserve(String tenant, String subject, String model, long micros) {
            return Future.succeededFuture(new Reserved(null, 0, kept -> { }));
        }

        @Override
        public void refund(String tenant, long micros) {
        }
    };

    /**
     * A reservation: refused ({@code refusal} set, nothing held), or held until {@code outcome}
     * says whether the job was stored (true: the worst case stays spent) or not (false: all of it
     * comes back). {@code outcome} is called exactly once.
     */
    record Reserved(GatewayError refusal, long retryAfterSeconds, Consumer<Boolean> outcome) {
    }

    /** Reserves {@code micros} on every hard budget of the tenant, as one request of that cost would. */
    Future<Reserved> reserve(String tenant, String subject, String model, long micros);

    /** A job ended {@code micros} under its reservation: they come off the tenant's spend. */
    void refund(String tenant, long micros);
}
