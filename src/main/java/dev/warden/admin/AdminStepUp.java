package dev.warden.admin;

import dev.warden.config.SnapshotHolder;
import dev.warden.config.TenantAuth;
import dev.warden.exchange.AuthContext;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;

/**
 * A tenant's MFA rules on its own admins: changing keys ({@code keys}) or settings and bindings
 * ({@code config}) may need a hardware-key sign-in. A tenant admin using an API key, or a token
 * without the required {@code amr}/{@code acr}/{@code auth_time}, is asked to step up (401, RFC
 * 9470 challenge). Platform principals are governed by the platform's own identity provider.
 */
final class AdminStepUp {
    private AdminStepUp() {
    }

    /** The refusal, or null if the principal may go on. */
    static GatewayError check(SnapshotHolder snapshots, AdminPrincipal principal, String tenant, String operationClass) {
        if (principal.kind() != AdminPrincipal.Kind.TENANT_ADMIN) {
            return null;
        }
        TenantAuth auth = snapshots.current().identities().auth(tenant);
        long nowSec = System.currentTimeMillis() / 1000;
        AuthContext s = principal.signIn();
        for (TenantAuth.MfaRule rule : auth.mfa()) {
            if (rule.covers(operationClass) && !(s != null && rule.metBy(s.human(), s.amr(), s.acr(), s.authTimeSec(), nowSec))) {
                return new GatewayError(ErrorCode.INSUFFICIENT_USER_AUTHENTICATION,
                        "This change needs a stronger or more recent sign-in.", "mfa_required:" + operationClass, rule.challenge());
            }
        }
        return null;
    }
}
