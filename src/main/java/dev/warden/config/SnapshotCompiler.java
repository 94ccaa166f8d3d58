package dev.warden.config;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns a validated config plus runtime keys into a {@link Snapshot}. */
public final class SnapshotCompiler {
    private final KeyHasher hasher;

    public SnapshotCompiler(KeyHasher hasher) {
        this.hasher = hasher;
    }

    public Snapshot compile(long version, WardenConfig config, RuntimeKeys runtime) throws ConfigException {
        List<String> errors = new ArrayList<>();
        Map<String, Tenant> tenants = new LinkedHashMap<>();
        Map<String, ApiKeyRecord> keys = new HashMap<>();
        Map<String, Map<String, RouteTable>> routes = new HashMap<>();

        for (TenantConfig tc : config.tenants().values()) {
            Tenant t = new Tenant(tc.id(), config.tiers().get(tc.tier()), tc.anyRegion(), tc.regions(),
                    new java.util.LinkedHashSet<>(tc.models()), tc.status());
            tenants.put(t.id(), t);
            for (KeyConfig k : tc.keys()) {
                byte[] hash = k.hash() != null ? KeyHasher.parseHashText(k.hash()) : hasher.hash(k.key());
                Set<String> models = k.models() == null ? null : Set.copyOf(k.models());
                keys.put(k.id(), new ApiKeyRecord(k.id(), t.id(), k.role(), models, hash, "config"));
            }
            Map<String, RouteTable> byModel = new HashMap<>();
            for (String m : tc.models()) {
                ModelConfig model = config.models().get(m);
                PoolConfig pool = config.pools().get(model.pool());
                byModel.put(m, new RouteTable(model, pool.upstreams().stream().filter(u -> t.allowsRegion(u.region())).toList()));
            }
            routes.put(t.id(), Map.copyOf(byModel));
        }
        for (ApiKeyRecord k : runtime.all()) {
            if (!tenants.containsKey(k.tenantId())) {
                continue; // its tenant was removed from the file: the key stops working with it
            }
            if (keys.putIfAbsent(k.keyId(), k) != null) {
                errors.add("keys." + k.keyId() + ": runtime key id collides with a key declared in the file");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new Snapshot(version, Instant.now(), config, java.util.Collections.unmodifiableMap(tenants), Map.copyOf(keys),
                config.models(), Map.copyOf(routes));
    }
}
