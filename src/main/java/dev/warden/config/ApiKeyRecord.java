package dev.warden.config;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * A stored API key: its id, owner tenant, role, optional model restriction and keyed hash.
 *
 * @param models models this key may call, or null for all of its tenant's
 * @param source where it was declared: {@code config} or {@code runtime}
 * @param validUntilMs the first instant it no longer works (its expiry, or the end of a rotation's
 *                     overlap), or 0 if it has no end; checked at every request, so a key stops at
 *                     that instant without waiting for a new snapshot
 */
public record ApiKeyRecord(String keyId, String tenantId, Role role, Set<String> models, byte[] hash, String source,
                           long validUntilMs) {
    public ApiKeyRecord(String keyId, String tenantId, Role role, Set<String> models, byte[] hash, String source) {
        this(keyId, tenantId, role, models, hash, source, 0);
    }

    /** Whether it still works at {@code nowMs}. */
    public boolean validAt(long nowMs) {
        return validUntilMs == 0 || nowMs < validUntilMs;
    }

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
                && Arrays.equals(k.hash, hash);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }
}
