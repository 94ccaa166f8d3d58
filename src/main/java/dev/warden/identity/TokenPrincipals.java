package dev.warden.identity;

import dev.warden.config.Role;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a verified token subject of one tenant into the exchange's principal: its roles are those
 * its token carries plus the tenant's bindings of the subject, the strongest applies; no role is
 * 403; a suspended tenant is 403 once the tenant is known.
 */
final class TokenPrincipals {
    private static final List<Role> PRECEDENCE = List.of(Role.TENANT_ADMIN, Role.DEVELOPER, Role.SERVICE, Role.VIEWER);

    private TokenPrincipals() {
    }

    static Future<Outcome> admit(Exchange exchange, Snapshot snapshot, String tenantId, String subject, List<String> roleNames,
                                 AuthContext auth) {
        Tenant tenant = snapshot.tenant(tenantId);
        if (tenant == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated("tenant_gone"));
        }
        Set<Role> roles = new LinkedHashSet<>(snapshot.identities().boundRoles(tenantId, subject));
        for (String r : roleNames) {
            Role role = Role.parse(r);
            if (role != null) {
                roles.add(role);
            }
        }
        exchange.verifiedTenant(tenant.id());
        exchange.put(RequestContext.TENANT, tenant);
        exchange.put(RequestContext.AUTH, auth);
        Role role = PRECEDENCE.stream().filter(roles::contains).findFirst().orElse(null);
        if (role == null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.FORBIDDEN, "This identity has no role in this tenant.", "role_missing"));
        }
        exchange.put(RequestContext.PRINCIPAL, new Principal(tenant.id(), subject, role, null, auth.method()));
        if (tenant.status() == TenantStatus.SUSPENDED) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.TENANT_SUSPENDED, "This tenant is suspended.", "tenant_suspended"));
        }
        return Outcome.continueNow();
    }
}
