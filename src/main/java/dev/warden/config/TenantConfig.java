package dev.warden.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tenant declared in {@code warden.yaml}.
 *
 * @param regions   the regions its traffic may go to; empty set with {@code anyRegion} = any
 * @param fallbacks per model, the models to try in order when none of its upstreams can answer
 */
public record TenantConfig(String id, String tier, boolean anyRegion, Set<String> regions, List<String> models,
                           TenantStatus status, List<KeyConfig> keys, Map<String, List<String>> fallbacks) {
    public TenantConfig {
        regions = Set.copyOf(regions);
        models = List.copyOf(models);
        keys = List.copyOf(keys);
        fallbacks = Map.copyOf(fallbacks);
    }

    public TenantConfig(String id, String tier, boolean anyRegion, Set<String> regions, List<String> models, TenantStatus status,
                        List<KeyConfig> keys) {
        this(id, tier, anyRegion, regions, models, status, keys, Map.of());
    }
}
