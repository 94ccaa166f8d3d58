package dev.warden.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the snapshot takes from outside the file: tenants and keys created at run time (the
 * control store's, or the demo's fresh keys). The file wins: a run-time tenant with the id of a
 * file tenant is ignored, and a run-time key may not take a key id the file declares.
 */
public interface RuntimeState {
    List<TenantConfig> tenants();

    List<ApiKeyRecord> keys();

    /** Each tenant's stored {@code auth} settings (tenant id -> normalised JSON). */
    default Map<String, String> authSettings() {
        return Map.of();
    }

    /** Tenants' {@code overrides} settings (JSON), by tenant: their limits in place of the tier's. */
    default Map<String, String> overrideSettings() {
        return Map.of();
    }

    /** Tenants' {@code guardrails} settings (JSON), by tenant: their own guardrails in place of the tier's. */
    default Map<String, String> guardrailSettings() {
        return Map.of();
    }

    /** Tenants' {@code fields} settings (JSON), by tenant: their own field permissions in place of the tier's. */
    default Map<String, String> fieldSettings() {
        return Map.of();
    }

    /** Tenant-scoped role bindings: tenant id -> subject -> roles. */
    default Map<String, Map<String, Set<Role>>> roleBindings() {
        return Map.of();
    }

    RuntimeState NONE = ofKeys(List.of());

    static RuntimeState ofKeys(List<ApiKeyRecord> keys) {
        List<ApiKeyRecord> copy = List.copyOf(keys);
        return new RuntimeState() {
            @Override
            public List<TenantConfig> tenants() {
                return List.of();
            }

            @Override
            public List<ApiKeyRecord> keys() {
                return copy;
            }
        };
    }
}
