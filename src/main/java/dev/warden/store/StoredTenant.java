package dev.warden.store;

import dev.warden.config.TenantStatus;
import java.util.List;
import java.util.Objects;

/**
 * A tenant created through the control store (not declared in {@code warden.yaml}).
 *
 * @param regions allowed regions, or {@code ["*"]} for any
 */
public record StoredTenant(String id, String tier, List<String> regions, List<String> models, TenantStatus status,
                           long createdAtMs, long updatedAtMs) {
    public StoredTenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(status, "status");
        regions = List.copyOf(regions);
        models = List.copyOf(models);
    }
}
