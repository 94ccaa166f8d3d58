package dev.warden.store;

import dev.warden.config.Role;
import java.util.List;
import java.util.Objects;

/**
 * An API key as the control store keeps it: never the key, only its keyed hash.
 *
 * @param models     the key's own model restriction, or null for every model of its tenant
 * @param revokedAtMs when it is revoked (in the future during a rotation's overlap), or 0
 * @param expiresAtMs when it expires, or 0 for never
 * @param lastUsedAtMs when it was last used (to the minute; written in batches), or 0
 */
public record StoredKey(String keyId, String tenantId, Role role, List<String> models, String hashText,
                        long createdAtMs, long revokedAtMs, long expiresAtMs, long lastUsedAtMs) {
    public StoredKey(String keyId, String tenantId, Role role, List<String> models, String hashText, long createdAtMs,
                     long revokedAtMs) {
        this(keyId, tenantId, role, models, hashText, createdAtMs, revokedAtMs, 0, 0);
    }

    /** The first instant it no longer works (revocation or expiry, whichever is first), or 0 for none. */
    public long validUntilMs() {
        if (revokedAtMs > 0 && expiresAtMs > 0) {
            return Math.min(revokedAtMs, expiresAtMs);
        }
        return Math.max(revokedAtMs, expiresAtMs);
    }

    /** Whether it works at {@code nowMs}. */
    public boolean validAt(long nowMs) {
        long until = validUntilMs();
        return until == 0 || nowMs < until;
    }

    public StoredKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(hashText, "hashText");
        models = models == null ? null : List.copyOf(models);
    }

    /** Revoked (now or at the end of a rotation overlap). */
    public boolean revoked() {
        return revokedAtMs > 0;
    }

    @Override
    public String toString() {
        return "StoredKey[keyId=" + keyId + ", tenant=" + tenantId + ", role=" + role.id() + ", models=" + models
                + ", hash=<redacted>, revoked=" + revoked() + "]";
    }
}
