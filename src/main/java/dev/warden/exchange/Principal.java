package dev.warden.exchange;

import dev.warden.config.Role;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: a verified subject of exactly one tenant.
 *
 * @param subject   the credential's id (an API key id)
 * @param models    the credential's own model restriction, or null for all of its tenant's
 * @param method    how it was proven ({@code api_key})
 */
public record Principal(String tenantId, String subject, Role role, Set<String> models, String method) {
    public Principal {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(role, "role");
    }
}
