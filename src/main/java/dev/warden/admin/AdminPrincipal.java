package dev.warden.admin;

/**
 * Who calls the admin API: the platform (the bootstrap admin token) or the admin of one tenant
 * (an API key of that tenant with the {@code tenant-admin} role), who sees and changes only its
 * own tenant, and for whom every other tenant does not exist.
 *
 * @param tenant the tenant a tenant admin is bound to; null for the platform
 */
public record AdminPrincipal(String name, String tenant) {
    public static final AdminPrincipal PLATFORM = new AdminPrincipal("admin-token", null);

    public boolean platform() {
        return tenant == null;
    }

    /** Whether this principal may see the tenant at all (others get the same 404 as an unknown one). */
    public boolean sees(String tenantId) {
        return platform() || tenant.equals(tenantId);
    }
}
