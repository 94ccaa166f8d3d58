package dev.warden.config;

import java.util.Objects;
import java.util.Set;

/**
 * A stored API key: its id, owner tenant, role, optional model restriction and keyed hash.
 *
 * @param models models this key may call, or null for all of its tenant's
 * @param source where it was declared: {@code config} or {@code runtime}
 */
public record ApiKeyRecord(String keyId, String tenantId, Role role, Set<String> models, byte[] hash, String source) {
    public ApiKeyRecord {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(hash, "hash");
        models = models == null ? null : Set.copyOf(models);
        hash = hash.clone();
    }

    @Override
    public String toString() {
        return "ApiKeyRecord[keyId=" + keyId + ", tenant=" + tenantId + ", role=" + role.id() + ", models=" + models
                + ", hash=<redacted>, source=" + source + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKeyRecord k && k.keyId.equals(keyId) && k.tenantId.equals(tenantId)
                && java.util.Arrays.equals(k.hash, hash);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }
}
