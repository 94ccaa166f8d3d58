package dev.warden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.config.Budget;
import dev.warden.config.ModelConfig;
import dev.warden.config.PoolConfig;
import dev.warden.config.RateLimits;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.exchange.Metered;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Admit: the worst-case cost of every model call, before anything is forwarded
 * ({@link CostEstimator}; a malformed {@code max_tokens} or {@code n} is 400, a prompt beyond the
 * model's context 413), then the tenant's limits ({@link Limiter}): concurrency, request, token and
 * compute-unit rates of the tenant, key, end user and model, charged with that worst case and
 * settled on completion with what was really used ({@code Metered}, the ledger's reckoning too). A refusal is 429 with {@code Retry-After}; every answer carries the
 * {@code RateLimit-Policy} and {@code RateLimit} headers (IETF httpapi draft) of the limits that
 * apply. Limits, pacing, hard budgets and token quotas are decided and reserved at once by the
 * {@link LimiterStore} (this process's, or one shared by every replica); then the pool's seats,
 * in the tenant's fair turn ({@link FairQueue}). A large body is counted on a worker thread:
 * tokenizing megabytes must not stall an event loop.
 */
public final class AdmitStage implements Stage {
    static final int ON_LOOP_MAX_BYTES = 32 * 1024;
    /** {@code X-Warden-Priority: batch} puts a request in the fair queue's batch class (never sent upstream). */
    static final String PRIORITY = "X-Warden-Priority";
    private static final Key<Holds> HOLDS = Key.of("admissionHolds");
    private final Vertx vertx;
    private final LimiterStore limits;
    private final FairQueues queues;
    private final ToLongFunction<String> pace;
    private final Predicate<String> budgeted;

    /** What an admitted request holds until it ends: its reservations and its pool seats. */
    private record Holds(LimiterStore.Hold hold, SeatQueue.Held seats) {
    }

    /**
     * {@code vertx} null: everything on the calling thread (benchmarks); {@code limits} null: no
     * limits nor budgets; {@code queues} null: pools' capacities are not enforced; {@code pace}: the
     * spend per minute a tenant is paced to now (0: none), for tiers with {@code pacing};
     * {@code budgeted}: whether a tenant has a hard money budget.
     */
    public AdmitStage(Vertx vertx, LimiterStore limits, FairQueues queues, ToLongFunction<String> pace, Predicate<String> budgeted) {
        this.pace = pace;
        this.budgeted = budgeted;
        this.vertx = vertx;
        this.limits = limits;
        this.queues = queues;
    }

    @Override
    public String name() {
        return "admit";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        // model calls, and calls about a stored response (they reach an upstream too: counted against
        // the tenant's request rates, concurrency and the pool's seats, at no token cost)
        if (!exchange.request().operation().inference() && !exchange.request().operation().stored()) {
            return Outcome.continueNow();
        }
        String priority = exchange.request().headers().get(PRIORITY);
        if (priority != null && !priority.equalsIgnoreCase("batch") && !priority.equalsIgnoreCase("interactive")) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_HEADER,
                    PRIORITY + " must be interactive or batch.", "priority_invalid"));
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        ModelConfig model = snapshot.config().models().get(exchange.require(RequestContext.MODEL));
        Tenant tenant = exchange.require(RequestContext.TENANT);
        RequestBody body = exchange.get(RequestContext.BODY);
        boolean exact = countsPrompt(tenant, model, snapshot);
        var audio = exchange.get(RequestContext.AUDIO);
        long audioBytes = audio == null ? 0 : audio.bytes();
        if (body != null && body.raw().length() > ON_LOOP_MAX_BYTES && vertx != null) { // a bound may still need the count
            return vertx.executeBlocking(() -> CostEstimator.estimate(exchange.request().operation(), body, model, tenant, audioBytes, exact),
                    false).compose(r -> admit(exchange, r, model, audioBytes));
        }
        return admit(exchange, CostEstimator.estimate(exchange.request().operation(), body, model, tenant, audioBytes, exact), model,
                audioBytes);
    }

    /**
     * Whether anything admission charges is reckoned in the prompt's tokens (a token or compute
     * rate, a token quota, a budget or its pacing, a pool's seats): then they are counted; otherwise
     * an upper bound does, with no tokenizer on the request's path.
     */
    private boolean countsPrompt(Tenant tenant, ModelConfig model, Snapshot snapshot) {
        if (limits == null) {
            return false;
        }
        PoolConfig pool = snapshot.config().pools().get(model.pool());
        return tenant.limits().countsTokens() || queues != null && pool != null && pool.capacity() != null
                || budgeted.test(tenant.id()); // the settings lookup last
    }

    private Future<Outcome> admit(Exchange exchange, CostEstimator.Result r, ModelConfig model, long audioBytes) {
        if (r.error() != null) {
            return Outcome.rejectNow(r.error());
        }
        exchange.put(RequestContext.COST, r.estimate());
        if (r.inputBounded()) {
            RequestBody body = exchange.get(RequestContext.BODY);
            Operation operation = exchange.request().operation();
            exchange.put(RequestContext.PROMPT_COUNT, () -> CostEstimator.exactPrompt(operation, body, model, audioBytes));
        }
        exchange.put(RequestContext.OUTPUT_COUNTER, CostEstimator.textCounter(model)); // an answer without usage is counted
        if (limits == null) {
            return Outcome.continueNow();
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        long paced = tenant.limits().pacing() ? pace.applyAsLong(tenant.id()) : 0;
        LimiterStore.Ask ask = new LimiterStore.Ask(new Limiter.Caller(tenant.id(), exchange.require(RequestContext.PRINCIPAL).subject(),
                endUser(exchange), model.name()), tenant.limits(), r.estimate(), paced, quotas(tenant.limits()));
        PoolConfig pool = exchange.require(RequestContext.SNAPSHOT).config().pools().get(model.pool());
        LimiterStore.SeatAsk seatAsk = queues == null || pool == null || pool.capacity() == null || vertx == null ? null
                : new LimiterStore.SeatAsk(pool.name(), pool.capacity(), pool.capacity().seatsFor(ask.worstCompute()),
                        tenant.limits().weight(), isBatch(exchange));
        Future<LimiterStore.Admitted> answer = limits.admit(ask, seatAsk);
        if (answer.succeeded()) { // decided on this thread: no extra future
            return admitted(exchange, tenant, seatAsk, answer.result());
        }
        return answer.compose(a -> admitted(exchange, tenant, seatAsk, a));
    }

    private Future<Outcome> admitted(Exchange exchange, Tenant tenant, LimiterStore.SeatAsk seatAsk, LimiterStore.Admitted admitted) {
        LimiterStore.Answer a = admitted.answer();
        RateLimitHeaders.apply(exchange, a.policies(), a.refusal() == null ? -1 : a.retryAfterSeconds());
        if (a.refusal() != null) {
            return Outcome.rejectNow(a.refusal());
        }
        Holds holds = new Holds(a.hold(), admitted.seats());
        if (seatAsk == null || admitted.seats() != null) { // no seats to take, or the store took them with the admission
            exchange.put(HOLDS, holds);
            return Outcome.continueNow();
        }
        return seats(exchange, tenant.id(), seatAsk, holds);
    }

    private static boolean isBatch(Exchange exchange) {
        return "batch".equalsIgnoreCase(exchange.request().headers().get(PRIORITY));
    }

    /** The pool's seats, now or in the tenant's fair turn; then the request goes on holding all it reserved. */
    private Future<Outcome> seats(Exchange exchange, String tenant, LimiterStore.SeatAsk seatAsk, Holds holds) {
        SeatQueue queue = queues.of(seatAsk.pool(), seatAsk.capacity());
        return queue.acquire(tenant, seatAsk.seats(), seatAsk.weight(), seatAsk.batch(), vertx.getOrCreateContext())
                .transform(ar -> {
                    if (ar.failed()) {
                        holds.hold().settle(LimiterStore.Used.NOTHING); // it never ran: everything it reserved comes back
                        return Future.failedFuture(ar.cause());
                    }
                    return switch (ar.result()) {
                        case SeatQueue.Held seats -> {
                            exchange.put(HOLDS, new Holds(holds.hold(), seats));
                            yield Outcome.continueNow();
                        }
                        case Refusal refusal -> {
                            holds.hold().settle(LimiterStore.Used.NOTHING);
                            exchange.addResponseHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
                            yield Outcome.rejectNow(refusal.error());
                        }
                    };
                });
    }

    /** The tenant's calendar token quotas, reserved with its budgets. */
    private static List<BudgetBook.Allowance> quotas(RateLimits limits) {
        if (limits.dailyTokens() <= 0 && limits.monthlyTokens() <= 0) {
            return List.of();
        }
        List<BudgetBook.Allowance> out = new ArrayList<>(2);
        if (limits.dailyTokens() > 0) {
            out.add(new BudgetBook.Allowance(Budget.Period.DAY, limits.dailyTokens(), true, limits.enforced()));
        }
        if (limits.monthlyTokens() > 0) {
            out.add(new BudgetBook.Allowance(Budget.Period.MONTH, limits.monthlyTokens(), true, limits.enforced()));
        }
        return out;
    }

    /** The end user the request names ({@code user}, at most 256 characters), or null. */
    private static String endUser(Exchange exchange) {
        RequestBody body = exchange.get(RequestContext.BODY);
        JsonNode user = body == null ? null : body.field("user");
        return user != null && user.isTextual() && !user.textValue().isEmpty() && user.textValue().length() <= 256 ? user.textValue() : null;
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        Holds holds = exchange.get(HOLDS);
        if (holds == null) {
            return;
        }
        Metered used = Metered.of(exchange, completion); // the ledger's reckoning too
        holds.hold().settle(new LimiterStore.Used(used.tokens(), used.computeUnits(), used.costMicros()));
        if (holds.seats() != null) {
            holds.seats().release();
        }
    }
}
