package dev.warden.access;

import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;

/**
 * A tenant's MFA rules for an operation class: every rule that covers it must be met by how the
 * caller authenticated — one of its {@code amr} methods, its {@code acr} level, and an
 * authentication no older than its {@code maxAgeSeconds}. API keys and client credentials carry no
 * human authentication and never meet a rule. A miss answers 401 with RFC 9470's
 * {@code insufficient_user_authentication} challenge, naming what would meet it.
 */
final class StepUp {
    private StepUp() {
    }

    /** The refusal, or null if every rule covering {@code operationClass} is met. */
    static GatewayError check(Exchange exchange, String operationClass) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        TenantAuth auth = snapshot.identities().auth(exchange.verifiedTenant());
        if (auth.mfa().isEmpty()) {
            return null;
        }
        AuthContext ctx = exchange.get(RequestContext.AUTH);
        long nowSec = System.currentTimeMillis() / 1000;
        for (TenantAuth.MfaRule rule : auth.mfa()) {
            if (rule.covers(operationClass) && !(ctx != null
                    && rule.metBy(ctx.human(), ctx.amr(), ctx.acr(), ctx.authTimeSec(), nowSec))) {
                return new GatewayError(ErrorCode.INSUFFICIENT_USER_AUTHENTICATION,
                        "This operation needs a stronger or more recent sign-in.", "mfa_required:" + operationClass,
                        rule.challenge());
            }
        }
        return null;
    }
}
