package dev.warden.config;

import java.util.Set;

/** A tenant as the data plane sees it: compiled, immutable, looked up by id. */
public record Tenant(String id, TierConfig tier, boolean anyRegion, Set<String> regions, Set<String> models,
                     TenantStatus status) {
    public Tenant {
        regions = Set.copyOf(regions);
        models = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(models));
    }

    public boolean allowsRegion(String region) {
        return anyRegion || regions.contains(region);
    }

    /** The single allowed region, or {@code "*"} when any (the demo credentials' shape). */
    public String regionLabel() {
        return anyRegion ? "*" : String.join(",", new java.util.TreeSet<>(regions));
    }
}
