package dev.warden.exchange;

import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Usage;

/**
 * What a request really used and cost: the one reckoning that admission settles with and the
 * ledger records. Tokens as the upstream reported them (or the relay counted them); an answer that
 * reports none (an answer too long to count) is reckoned at the worst case admission reserved; a
 * request that got no answer used nothing. Compute units are the tokens times the answering
 * model's weight, none for an answer served from the cache (no GPU ran). A predict call is priced
 * by its model's declared cost, not by tokens: answered, it costs what admission reserved.
 */
public record Metered(long inputTokens, long outputTokens, long computeUnits, long costMicros) {
    public static final Metered NOTHING = new Metered(0, 0, 0, 0);

    public long tokens() {
        return inputTokens + outputTokens;
    }

    /** The reckoning of this exchange, computed once on completion (the first stage to ask keeps it for the others). */
    public static Metered of(Exchange exchange, Completion completion) {
        Metered done = exchange.get(RequestContext.METERED);
        if (done == null) {
            boolean cacheHit = Boolean.TRUE.equals(exchange.get(RequestContext.CACHE_HIT));
            boolean answered = exchange.get(RequestContext.UPSTREAM_HEAD_NANOS) != null && completion.status() < 400;
            boolean declared = exchange.request().operation() == Operation.PREDICT;
            done = of(exchange.get(RequestContext.ROUTE), exchange.get(RequestContext.COST), completion.usage(), answered, cacheHit,
                    declared);
            exchange.put(RequestContext.METERED, done);
        }
        return done;
    }

    /**
     * {@code route}: where it was answered (null: nowhere); {@code estimate}: what admission reserved
     * (null: nothing); {@code answered}: an upstream answered it with success; {@code declared}:
     * priced by the model's declared cost (a predict call), whatever tokens were reported.
     */
    static Metered of(SelectedRoute route, CostEstimate estimate, Usage used, boolean answered, boolean cacheHit, boolean declared) {
        if (route == null) {
            return NOTHING;
        }
        if (declared) {
            return answered && estimate != null
                    ? new Metered(used.inputTokens(), used.outputTokens(), estimate.computeUnits(), route.share(estimate.costMicros()))
                    : new Metered(used.inputTokens(), used.outputTokens(), 0, 0);
        }
        if (answered && used.totalTokens() == 0 && estimate != null) {
            return new Metered(estimate.inputTokens(), estimate.outputTokens(), estimate.computeUnits(),
                    route.share(estimate.costMicros()));
        }
        long compute = cacheHit ? 0 : route.model().computeUnits(used.totalTokens());
        return new Metered(used.inputTokens(), used.outputTokens(), compute, route.costMicros(used));
    }
}
