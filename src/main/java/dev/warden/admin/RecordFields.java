package dev.warden.admin;

import dev.warden.config.FieldMask;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;

/**
 * The fields of a tenant's admin records (audit events, usage reports) an admin principal may not
 * see, from the tenant's field permissions ({@code records}): the record's own tenant decides.
 * Platform-level records (no tenant) and tenants no longer configured have none.
 */
final class RecordFields {
    private final SnapshotHolder snapshots;

    RecordFields(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    /** What {@code principal} does not see of {@code tenant}'s {@code record} ({@code audit}, {@code usage}). */
    FieldMask hidden(AdminPrincipal principal, String tenant, String record) {
        Tenant t = tenant == null ? null : snapshots.current().tenant(tenant);
        if (t == null || t.tier() == null) {
            return FieldMask.NONE;
        }
        return t.tier().fields().records(principal.kindId(), record);
    }
}
