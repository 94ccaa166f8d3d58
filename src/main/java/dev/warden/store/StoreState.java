package dev.warden.store;

import dev.warden.config.ApiKeyRecord;
import dev.warden.config.KeyConfig;
import dev.warden.config.KeyHasher;
import dev.warden.config.RuntimeState;
import dev.warden.config.TenantConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The control store's tenants and valid keys, as the snapshot compiler takes them. Reloaded whole
 * (never patched) by {@link #reload}; read by the compiler. Revoked keys are left out here, so a
 * revocation takes effect with the next snapshot.
 */
public final class StoreState implements RuntimeState {
    private volatile List<TenantConfig> tenants = List.of();
    private volatile List<ApiKeyRecord> keys = List.of();
    private volatile long version = -1;

    @Override
    public List<TenantConfig> tenants() {
        return tenants;
    }

    @Override
    public List<ApiKeyRecord> keys() {
        return keys;
    }

    /** The store version this state was read at (-1 before the first read). */
    public long version() {
        return version;
    }

    /** Reads everything from the store. Blocking: call it from a worker thread. */
    public void reload(ControlStore store) {
        long v = store.version();
        List<TenantConfig> ts = new ArrayList<>();
        for (StoredTenant t : store.tenants()) {
            boolean any = t.regions().contains("*");
            Set<String> regions = any ? Set.of() : new LinkedHashSet<>(t.regions());
            ts.add(new TenantConfig(t.id(), t.tier(), any, regions, t.models(), t.status(), List.<KeyConfig>of()));
        }
        List<ApiKeyRecord> ks = new ArrayList<>();
        for (StoredKey k : store.keys()) {
            if (!k.revoked() && KeyHasher.isHashText(k.hashText())) {
                ks.add(new ApiKeyRecord(k.keyId(), k.tenantId(), k.role(), k.models() == null ? null : Set.copyOf(k.models()),
                        KeyHasher.parseHashText(k.hashText()), "store"));
            }
        }
        tenants = List.copyOf(ts);
        keys = List.copyOf(ks);
        version = v;
    }
}
