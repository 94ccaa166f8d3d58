package dev.warden.exchange;

import dev.warden.config.Tenant;

/**
 * The tenant a request names before it is authenticated.
 *
 * @param id     the well-formed id it names
 * @param tenant the registered tenant, or null when no tenant has that id (the caller is not told)
 */
public record TenantClaim(String id, Tenant tenant) {
}
