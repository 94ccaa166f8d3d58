package dev.warden.store;

import java.util.Objects;

/**
 * Grants {@code role} to {@code subject} (the {@code sub} of a token from the admin identity
 * provider). {@code scope} is empty for a platform role, else the tenant the role applies to.
 */
public record RoleBinding(String scope, String subject, String role, long createdAtMs) {
    public RoleBinding {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(role, "role");
    }

    public boolean platform() {
        return scope.isEmpty();
    }
}
