package dev.warden.store;

import dev.warden.config.ApiKeyRecord;
import dev.warden.config.KeyConfig;
import dev.warden.config.Role;
import dev.warden.config.RuntimeState;
import dev.warden.config.TenantConfig;
import dev.warden.crypto.KeyHasher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The control store's tenants and valid keys, as the snapshot compiler takes them, plus what the
 * admin plane reads per request (operator keys, role bindings, tenant settings). Reloaded whole
 * (never patched) by {@link #reload}; read by the compiler. Keys no longer valid are left out; a
 * key with an end (expiry, a rotation's overlap) carries it to the authenticator, which checks it at
 * every request.
 */
public final class StoreState implements RuntimeState {
    private volatile List<TenantConfig> tenants = List.of();
    private volatile List<ApiKeyRecord> keys = List.of();
    private volatile long version = -1;
    private volatile Map<String, OperatorKey> operators = Map.of();
    private volatile List<RoleBinding> bindings = List.of();
    private volatile Map<String, Map<String, String>> settings = Map.of();

    /** Valid operator keys by key id. */
    public OperatorKey operator(String keyId) {
        return operators.get(keyId);
    }

    @Override
    public Map<String, String> authSettings() {
        return settingsOfKind("auth");
    }

    @Override
    public Map<String, String> overrideSettings() {
        return settingsOfKind("overrides");
    }

    @Override
    public Map<String, String> guardrailSettings() {
        return settingsOfKind("guardrails");
    }

    @Override
    public Map<String, String> fieldSettings() {
        return settingsOfKind("fields");
    }

    @Override
    public Map<String, Map<String, Set<Role>>> roleBindings() {
        Map<String, Map<String, Set<Role>>> out = new HashMap<>();
        for (RoleBinding b : bindings) {
            Role role = b.platform() ? null : Role.parse(b.role());
            if (role != null) {
                out.computeIfAbsent(b.scope(), t -> new HashMap<>()).computeIfAbsent(b.subject(), s -> new HashSet<>()).add(role);
            }
        }
        return out;
    }

    /** Every role binding. */
    public List<RoleBinding> bindings() {
        return bindings;
    }

    /** Every tenant's stored settings of one kind: tenant id -> validated JSON. */
    public Map<String, String> settingsOfKind(String kind) {
        Map<String, String> out = new HashMap<>();
        settings.forEach((tenant, kinds) -> {
            String body = kinds.get(kind);
            if (body != null) {
                out.put(tenant, body);
            }
        });
        return out;
    }

    /** A tenant's stored settings of one kind (validated JSON), or null. */
    public String setting(String tenantId, String kind) {
        Map<String, String> m = settings.get(tenantId);
        return m == null ? null : m.get(kind);
    }

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
        for (StoredTenant t : store.tenants().all()) {
            boolean any = t.regions().contains("*");
            Set<String> regions = any ? Set.of() : new LinkedHashSet<>(t.regions());
            ts.add(new TenantConfig(t.id(), t.tier(), any, regions, t.models(), t.status(), List.<KeyConfig>of()));
        }
        List<ApiKeyRecord> ks = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (StoredKey k : store.keys().all()) {
            // Keys still valid now (a rotated key during its overlap included); each carries its end,
            // which the authenticator checks at every request.
            if (k.validAt(now) && KeyHasher.isHashText(k.hashText())) {
                ks.add(new ApiKeyRecord(k.keyId(), k.tenantId(), k.role(), k.models() == null ? null : Set.copyOf(k.models()),
                        KeyHasher.parseHashText(k.hashText()), "store", k.validUntilMs()));
            }
        }
        Map<String, OperatorKey> ops = new HashMap<>();
        for (OperatorKey k : store.operators().all()) {
            if (!k.revoked() && KeyHasher.isHashText(k.hashText())) {
                ops.put(k.keyId(), k);
            }
        }
        Map<String, Map<String, String>> set = new HashMap<>();
        for (TenantSetting s : store.settings().all()) {
            set.computeIfAbsent(s.tenantId(), t -> new HashMap<>()).put(s.kind(), s.body());
        }
        operators = Map.copyOf(ops);
        bindings = List.copyOf(store.bindings().all());
        settings = Map.copyOf(set);
        tenants = List.copyOf(ts);
        keys = List.copyOf(ks);
        version = v;
    }
}
