package dev.warden.admin;

import dev.warden.exchange.AuthContext;
import java.util.Set;

/**
 * Who calls the admin API, and so what it may see:
 * <ul>
 *   <li>{@link Kind#PLATFORM_ADMIN} (the bootstrap token, an operator key, or a token of the admin
 *       identity provider with that role): every tenant's metadata, settings and usage; never a
 *       payload;</li>
 *   <li>{@link Kind#PLATFORM_AUDITOR}: the audit log only;</li>
 *   <li>{@link Kind#TENANT_ADMIN}: only its own tenants (a tenant-admin API key has one); every other
 *       tenant does not exist for it (404, like an unknown one).</li>
 * </ul>
 *
 * @param name    who, as the audit log names it (a key id, {@code admin-token}, or {@code jwt:<sub>})
 * @param tenants the tenants a tenant admin administers; empty for platform principals
 * @param signIn  how a person signed in (an IdP token's amr, acr, auth_time), or null for keys:
 *                a key never meets a tenant's MFA rule for key or config changes
 */
public record AdminPrincipal(String name, Kind kind, Set<String> tenants, AuthContext signIn) {
    public static final AdminPrincipal BOOTSTRAP = new AdminPrincipal("admin-token", Kind.PLATFORM_ADMIN, Set.of());

    public AdminPrincipal(String name, Kind kind, Set<String> tenants) {
        this(name, kind, tenants, null);
    }

    public enum Kind {
        PLATFORM_ADMIN,
        PLATFORM_AUDITOR,
        TENANT_ADMIN
    }

    public AdminPrincipal {
        tenants = Set.copyOf(tenants);
    }

    public static AdminPrincipal tenantAdmin(String name, String tenant) {
        return new AdminPrincipal(name, Kind.TENANT_ADMIN, Set.of(tenant));
    }

    /** The kind as configuration names it: {@code platform-admin}, {@code platform-auditor}, {@code tenant-admin}. */
    public String kindId() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** A platform administrator: manages every tenant. */
    public boolean platform() {
        return kind == Kind.PLATFORM_ADMIN;
    }

    public boolean auditor() {
        return kind == Kind.PLATFORM_AUDITOR;
    }

    /** Whether this principal may see the tenant at all (others get the same 404 as an unknown one). */
    public boolean sees(String tenantId) {
        return platform() || (tenantId != null && tenants.contains(tenantId));
    }

    /** Whether it may read the audit events of this tenant (null: platform-level events). */
    public boolean readsAuditOf(String tenantId) {
        return platform() || auditor() || (tenantId != null && tenants.contains(tenantId));
    }

    /**
     * The tenant a refusal of this principal is filed under in the audit log: a tenant admin's own
     * tenant (never the one it probed, whose admins would otherwise read another tenant's key ids in
     * their audit view), or for platform principals the tenant {@code path} names, if any.
     */
    public String auditTenant(String path) {
        if (kind == Kind.TENANT_ADMIN) {
            return tenants.size() == 1 ? tenants.iterator().next() : null;
        }
        String prefix = "/admin/v1/tenants/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        int end = path.indexOf('/', prefix.length());
        return path.substring(prefix.length(), end < 0 ? path.length() : end);
    }
}
