package dev.warden.store;

import dev.warden.config.PlatformRole;
import java.util.Objects;

/**
 * A platform operator's API key as the store keeps it: only its keyed hash. Operator keys live in
 * their own table, so the data plane, which reads tenant keys only, can never accept one.
 *
 * @param revokedAtMs when it was revoked, or 0 while it is valid
 */
public record OperatorKey(String keyId, String name, PlatformRole role, String hashText, long createdAtMs, long revokedAtMs) {
    public OperatorKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(hashText, "hashText");
    }

    public boolean revoked() {
        return revokedAtMs > 0;
    }

    @Override
    public String toString() {
        return "OperatorKey[keyId=" + keyId + ", name=" + name + ", role=" + role.id() + ", hash=<redacted>, revoked=" + revoked() + "]";
    }
}
