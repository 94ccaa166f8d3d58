package dev.warden.store;

import dev.warden.config.Role;
import java.util.List;
import java.util.Objects;

/**
 * An API key as the control store keeps it: never the key, only its keyed hash.
 *
 * @param models     the key's own model restriction, or null for every model of its tenant
 * @param revokedAtMs when it was revoked, or 0 while it is valid
 */
public record StoredKey(String keyId, String tenantId, Role role, List<String> models, String hashText,
                        long createdAtMs, long revokedAtMs) {
    public StoredKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(hashText, "hashText");
        models = models == null ? null : List.copyOf(models);
    }

    public boolean revoked() {
        return revokedAtMs > 0;
    }

    @Override
    public String toString() {
        return "StoredKey[keyId=" + keyId + ", tenant=" + tenantId + ", role=" + role.id() + ", models=" + models
                + ", hash=<redacted>, revoked=" + revoked() + "]";
    }
}
