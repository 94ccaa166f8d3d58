package dev.warden.proxy;

import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;

/** The refusal of a whole answer that the tenant's output guardrails stopped: the rule id, never the text. */
final class OutputRefusal {
    private OutputRefusal() {
    }

    /** A rule of the output guardrails ({@code pii.card}) stopped it: reason {@code output.pii.card}. */
    static GatewayError blocked(String rule) {
        return GatewayError.of(ErrorCode.GUARDRAIL_BLOCKED, "The answer was stopped by the tenant's guardrail rule '" + rule + "'.",
                "output." + rule);
    }

    /** An answer larger than the response cap cannot be checked, so it is not passed on (closed by default). */
    static GatewayError unchecked() {
        return GatewayError.of(ErrorCode.GUARDRAIL_BLOCKED,
                "The answer was too large for the tenant's guardrails to check, so it was not passed on.", "output.unchecked");
    }
}
