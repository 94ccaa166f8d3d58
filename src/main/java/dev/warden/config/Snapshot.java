package dev.warden.config;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the data plane reads per request, compiled from {@code warden.yaml} and the runtime
 * key store, validated, immutable and swapped as a whole. One volatile read per request gets it.
 */
public record Snapshot(long version, Instant compiledAt, WardenConfig config, Map<String, Tenant> tenants,
                       Map<String, ApiKeyRecord> keys, Map<String, ModelConfig> models,
                       Map<String, Map<String, RouteTable>> routes, Identities identities,
                       Map<ByteBuffer, ApiKeyRecord> importedKeys) {

    /**
     * Per tenant: how its callers authenticate; which tenants trust each token issuer (lookup is
     * issuer -> tenants -> that tenant's keys, never a global key map); tenant role bindings.
     */
    public record Identities(Map<String, TenantAuth> auth, Map<String, List<String>> tenantsByIssuer,
                             Map<String, Map<String, Set<Role>>> bindings) {
        public static final Identities NONE = new Identities(Map.of(), Map.of(), Map.of());

        public TenantAuth auth(String tenantId) {
            return auth.getOrDefault(tenantId, TenantAuth.API_KEYS_ONLY);
        }

        public List<String> tenantsTrusting(String issuer) {
            return tenantsByIssuer.getOrDefault(issuer, List.of());
        }

        public Set<Role> boundRoles(String tenantId, String subject) {
            Map<String, Set<Role>> t = bindings.get(tenantId);
            return t == null ? Set.of() : t.getOrDefault(subject, Set.of());
        }
    }

    public Tenant tenant(String id) {
        return tenants.get(id);
    }

    public ApiKeyRecord key(String keyId) {
        return keys.get(keyId);
    }

    /** Whether any tenant has a key issued elsewhere (found by hash, not by id). */
    public boolean hasImportedKeys() {
        return !importedKeys.isEmpty();
    }

    /** The imported key whose keyed hash is {@code hash}, or null. */
    public ApiKeyRecord importedKey(byte[] hash) {
        return importedKeys.get(ByteBuffer.wrap(hash));
    }

    /** The route table for a tenant and a model it may call, or null. */
    public RouteTable route(String tenantId, String model) {
        Map<String, RouteTable> byModel = routes.get(tenantId);
        return byModel == null ? null : byModel.get(model);
    }
}
