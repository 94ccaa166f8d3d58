package dev.warden.config;

import dev.warden.egress.Egress;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The whole of {@code warden.yaml}, validated. Immutable. */
public record WardenConfig(
        ListenerConfig dataListener,
        ListenerConfig adminListener,
        Path dataDir,
        Limits limits,
        Timeouts timeouts,
        int watchIntervalMs,
        StoreSettings store,
        LimiterSettings limiter,
        CacheStoreSettings cache,
        Egress egress,
        int maxTenantLabels,
        AdminIdpConfig adminIdp,
        AlertSettings alerts,
        Map<String, ExchangeClient> exchangeClients,
        TelemetrySettings telemetry,
        JobSettings jobs,
        Map<String, StageSwitch> stages,
        Map<String, ModelConfig> models,
        Map<String, PoolConfig> pools,
        Map<String, TierConfig> tiers,
        Map<String, TenantConfig> tenants) {

    public WardenConfig {
        exchangeClients = Map.copyOf(exchangeClients);
        stages = Map.copyOf(stages);
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        tiers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers));
        tenants = Collections.unmodifiableMap(new LinkedHashMap<>(tenants));
    }

    /** The control store's JDBC URL: the configured one, or a SQLite file in the data directory. */
    public String storeUrl() {
        return store.url() != null ? store.url() : "jdbc:sqlite:" + dataDir.resolve("warden.db");
    }

    /** Every region some upstream runs in (the regions a tenant may name). */
    public Set<String> servedRegions() {
        Set<String> served = new LinkedHashSet<>();
        pools.values().forEach(p -> p.upstreams().forEach(u -> served.add(u.region())));
        return served;
    }

    /** {@code adminIdp} is null when the admin API accepts no tokens (the bootstrap token and keys only). */
    public StageSwitch stage(String name) {
        return stages.getOrDefault(name, StageSwitch.ON);
    }

    /** A copy listening on other ports (tests, benchmarks). */
    public WardenConfig withListeners(ListenerConfig data, ListenerConfig admin) {
        return new WardenConfig(data, admin, dataDir, limits, timeouts, watchIntervalMs, store, limiter, cache, egress, maxTenantLabels, adminIdp, alerts, exchangeClients, telemetry, jobs, stages, models, pools, tiers, tenants);
    }

    /** A copy with another egress policy (it is read at start: a reload keeps the running one). */
    public WardenConfig withEgress(Egress e) {
        return new WardenConfig(dataListener, adminListener, dataDir, limits, timeouts, watchIntervalMs, store, limiter, cache, e, maxTenantLabels, adminIdp, alerts, exchangeClients, telemetry, jobs, stages, models, pools, tiers, tenants);
    }

    public WardenConfig withDataDir(Path dir) {
        return new WardenConfig(dataListener, adminListener, dir, limits, timeouts, watchIntervalMs, store, limiter, cache, egress, maxTenantLabels, adminIdp, alerts, exchangeClients, telemetry, jobs, stages, models, pools, tiers, tenants);
    }
}
