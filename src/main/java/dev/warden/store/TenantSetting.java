package dev.warden.store;

import java.util.Objects;

/** One kind of a tenant's run-time settings ({@code auth}, {@code budgets}, ...) as validated JSON. */
public record TenantSetting(String tenantId, String kind, String body, long updatedAtMs) {
    public TenantSetting {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(body, "body");
    }
}
