package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore.Answer;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what {@code admit.lua} decided for one admission: admitted (its hold, and what a shadow
 * limit would have refused), or refused by concurrency, a rate or a budget, with the
 * {@code RateLimit} policies from each bucket's backlog either way.
 */
final class AdmitAnswers {
    private final Settlements settlements;
    private final RefusalCount refused;

    AdmitAnswers(Settlements settlements, RefusalCount refused) {
        this.settlements = settlements;
        this.refused = refused;
    }

    /** The decision in {@code r}: status 1 admitted, 0 refused (2, an account lost, is the caller's to retry). */
    Answer read(Plan plan, String holdId, Response r) {
        return r.get(0).toInteger() == 1 ? admitted(plan, holdId, r) : refusedBy(plan, r);
    }

    private Answer admitted(Plan plan, String holdId, Response r) {
        String shadow = r.get(2).toString();
        List<Plan.Bucket> buckets = plan.buckets();
        String member = r.get(3).toString();
        List<Limiter.Policy> policies = policies(buckets, r, 4);
        boolean[] skipped = new boolean[buckets.size() + plan.accounts().size()];
        if (!shadow.isEmpty()) {
            for (String s : shadow.split(",")) {
                if (s.equals("c")) {
                    refused.count("concurrency_limited", false);
                } else if (s.startsWith("r")) {
                    skipped[Integer.parseInt(s.substring(1)) - 1] = true;
                    refused.count("rate_limited", false);
                } else {
                    int j = Integer.parseInt(s.substring(1)) - 1;
                    skipped[buckets.size() + j] = true;
                    refused.count(plan.accounts().get(j).allowance().code(), false);
                }
            }
        }
        return new Answer(settlements.hold(plan, holdId, member, skipped), null, 0, policies);
    }

    private Answer refusedBy(Plan plan, Response r) {
        String kind = r.get(1).toString();
        int index = r.get(2).toInteger() - 1;
        List<Limiter.Policy> policies = kind.equals("c") ? List.of() : policies(plan.buckets(), r, 4);
        if (kind.equals("c")) {
            return concurrencyRefused(plan);
        }
        if (kind.equals("r")) {
            return rateRefused(plan, index, (long) Math.ceil(r.get(3).toLong() / 1_000_000.0), policies);
        }
        return accountRefused(plan, index, policies);
    }

    /** Refused by the plan's account {@code index} (a budget or token quota): retry when its period ends. */
    Answer accountRefused(Plan plan, int index, List<Limiter.Policy> policies) {
        Plan.Account a = plan.accounts().get(index);
        BudgetBook.Allowance allowance = a.allowance();
        refused.count(allowance.code(), true);
        long retry = Math.max(1, (a.periodEndMs() - System.currentTimeMillis() + 999) / 1000);
        return Answer.refused(GatewayError.of(allowance.tokens() ? ErrorCode.QUOTA_EXHAUSTED : ErrorCode.BUDGET_EXHAUSTED,
                "The tenant's " + allowance.period().id() + " " + (allowance.tokens() ? "token quota" : "budget")
                        + " would be exceeded by this request.", allowance.code() + ":" + allowance.period().id()), retry, policies);
    }

    /** Refused: the tenant has its concurrency limit's requests in flight. */
    Answer concurrencyRefused(Plan plan) {
        refused.count("concurrency_limited", true);
        return Answer.refused(GatewayError.of(ErrorCode.CONCURRENCY_LIMITED, "This tenant already has "
                + plan.ask().limits().concurrency() + " requests in flight.", "concurrency_limited"), 1, List.of());
    }

    /** Refused by the plan's bucket {@code index}: retry after {@code retrySeconds}. */
    Answer rateRefused(Plan plan, int index, long retrySeconds, List<Limiter.Policy> policies) {
        Plan.Bucket b = plan.buckets().get(index);
        refused.count("rate_limited", true);
        String detail = b.policy().equals("budget-pacing")
                ? "The tenant's spending is paced so its budget lasts the period; retry after the time in Retry-After."
                : "The " + b.policy().replace('-', ' ') + " limit is reached; retry after the time in Retry-After.";
        return Answer.refused(GatewayError.of(ErrorCode.RATE_LIMITED, detail, "rate_limited:" + b.policy()), retrySeconds, policies);
    }

    /** The spend behind a budget could not be read: refused (budgets fail closed). */
    Answer budgetUnknown() {
        refused.count("budget_exhausted", true);
        return Answer.refused(GatewayError.of(ErrorCode.BUDGET_EXHAUSTED, "The tenant's spend cannot be checked right now; retry shortly.",
                "budget_unknown"), 5, List.of());
    }

    /** The {@code RateLimit} policies from each bucket's backlog (us) in the answer, from index {@code from}. */
    private static List<Limiter.Policy> policies(List<Plan.Bucket> buckets, Response r, int from) {
        List<Limiter.Policy> out = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            Plan.Bucket b = buckets.get(i);
            long backlog = r.get(from + i).toLong();
            long remaining = (long) Math.max(0, Math.floor((b.toleranceUs() - backlog) / b.intervalUs()));
            out.add(new Limiter.Policy(b.policy(), b.burst(), b.windowSeconds(), Math.min(remaining, b.burst()),
                    Math.ceilDiv(Math.max(0, backlog), 1_000_000L)));
        }
        return out;
    }
}
