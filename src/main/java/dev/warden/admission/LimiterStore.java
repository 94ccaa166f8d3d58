package dev.warden.admission;

import dev.warden.config.PoolConfig;
import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where admission's counters live: rates, requests in flight, pacing, and the reservations on
 * hard budgets and token quotas. One call decides a request against all of them at once and, if
 * it is admitted, makes every reservation; the hold it returns is settled once, when the request
 * ends, with what it really used. Implementations: {@code store.LocalLimiterStore} (this process)
 * and {@code store.RedisLimiterStore} (every replica, one Lua script per admission).
 */
public interface LimiterStore {
    /**
     * One request to admit.
     *
     * @param paceMicrosPerMinute the tenant's spend is paced to this (0: not paced)
     * @param quotas              the tenant's calendar token quotas (its money budgets are found by the store)
     */
    record Ask(Limiter.Caller caller, RateLimits limits, CostEstimate estimate, long paceMicrosPerMinute,
               List<BudgetBook.Allowance> quotas) {
        public long worstTokens() {
            return estimate == null ? 0 : estimate.inputTokens() + estimate.outputTokens();
        }

        public long worstMicros() {
            return estimate == null ? 0 : estimate.costMicros();
        }

        public long worstCompute() {
            return estimate == null ? 0 : estimate.computeUnits();
        }
    }

    /** What a request really used: tokens, compute units and micro-units. */
    record Used(long tokens, long computeUnits, long micros) {
        /** A request that never ran. */
        public static final Used NOTHING = new Used(0, 0, 0);

        public Used {
            tokens = Math.max(0, tokens);
            computeUnits = Math.max(0, computeUnits);
            micros = Math.max(0, micros);
        }
    }

    /** Admitted ({@code hold} set) or refused ({@code refusal}, {@code retryAfterSeconds}); the rate policies either way. */
    record Answer(Hold hold, GatewayError refusal, long retryAfterSeconds, List<Limiter.Policy> policies) {
        public static Answer refused(GatewayError refusal, long retryAfterSeconds, List<Limiter.Policy> policies) {
            return new Answer(null, refusal, Math.max(1, retryAfterSeconds), policies);
        }
    }

    /** What an admitted request holds; settled exactly once. */
    interface Hold {
        /** The request ended having used this: the rest comes back. */
        void settle(Used used);
    }

    Future<Answer> admit(Ask ask);

    /**
     * A long-running job ended {@code micros} under the worst case it reserved (and settled as
     * spent) through {@link #admit}: they come off the tenant's hard budgets.
     */
    void refund(String tenant, long micros);

    /** The seats a request will ask of its pool (a pool with a capacity), for a store that can take them with its admission. */
    record SeatAsk(String pool, PoolConfig.Capacity capacity, int seats, double weight, boolean batch) {
    }

    /** An admission and, when the store took them in the same round trip, the pool's seats (null: ask the seat queue). */
    record Admitted(Answer answer, SeatQueue.Held seats) {
    }

    /** Admission, and the pool's seats with it where the store can; by default the seats are left to the seat queue. */
    default Future<Admitted> admit(Ask ask, SeatAsk seats) {
        return admit(ask).map(a -> new Admitted(a, null));
    }

    /** Requests refused ({@code mode} {@code enforced}) or that would have been ({@code shadow}) with {@code code}, so far. */
    long refusals(String code, String mode);
}
