package dev.warden.config;

import java.time.Instant;
import java.util.Map;

/**
 * Everything the data plane reads per request, compiled from {@code warden.yaml} and the runtime
 * key store, validated, immutable and swapped as a whole. One volatile read per request gets it.
 */
public record Snapshot(long version, Instant compiledAt, WardenConfig config, Map<String, Tenant> tenants,
                       Map<String, ApiKeyRecord> keys, Map<String, ModelConfig> models,
                       Map<String, Map<String, RouteTable>> routes) {

    public Tenant tenant(String id) {
        return tenants.get(id);
    }

    public ApiKeyRecord key(String keyId) {
        return keys.get(keyId);
    }

    /** The route table for a tenant and a model it may call, or null. */
    public RouteTable route(String tenantId, String model) {
        Map<String, RouteTable> byModel = routes.get(tenantId);
        return byModel == null ? null : byModel.get(model);
    }
}
