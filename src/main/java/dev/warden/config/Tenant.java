package dev.warden.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tenant as the data plane sees it: compiled, immutable, looked up by id.
 *
 * @param limits its admission limits: its tier's, with its own overrides applied
 */
public record Tenant(String id, TierConfig tier, boolean anyRegion, Set<String> regions, Set<String> models,
                     TenantStatus status, RateLimits limits) {
    /** A tenant on its tier's limits. */
    public Tenant(String id, TierConfig tier, boolean anyRegion, Set<String> regions, Set<String> models, TenantStatus status) {
        this(id, tier, anyRegion, regions, models, status, tier == null ? RateLimits.NONE : tier.limits());
    }

    public Tenant {
        regions = Set.copyOf(regions);
        models = Collections.unmodifiableSet(new LinkedHashSet<>(models));
    }

    public boolean allowsRegion(String region) {
        return anyRegion || regions.contains(region);
    }

    /** The single allowed region, or {@code "*"} when any (the demo credentials' shape). */
    public String regionLabel() {
        return anyRegion ? "*" : String.join(",", new TreeSet<>(regions));
    }
}
