package dev.warden.app;

import dev.warden.admin.TenantAdmin;
import dev.warden.audit.AuditWriter;
import dev.warden.usage.LedgerWriter;
import java.util.Objects;

/**
 * What the gateway gets from the control store: the admin routes for tenants and keys, the audit
 * writer and the usage ledger writer. Absent (null) when Warden runs without a store.
 */
public record ControlPlane(TenantAdmin tenants, AuditWriter audit, LedgerWriter ledger) {
    public ControlPlane {
        Objects.requireNonNull(tenants, "tenants");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(ledger, "ledger");
    }
}
