package dev.warden.config;

import java.util.List;
import java.util.Set;

/**
 * A tenant declared in {@code warden.yaml}.
 *
 * @param regions the regions its traffic may go to; empty set with {@code anyRegion} = any
 */
public record TenantConfig(String id, String tier, boolean anyRegion, Set<String> regions, List<String> models,
                           TenantStatus status, List<KeyConfig> keys) {
    public TenantConfig {
        regions = Set.copyOf(regions);
        models = List.copyOf(models);
        keys = List.copyOf(keys);
    }
}
