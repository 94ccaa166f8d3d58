package dev.warden.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code admin.idp:} the identity provider whose tokens the admin API accepts (operators and tenant
 * admins signing in with the company's SSO). Roles come from the {@code rolesClaim} (platform roles
 * only) and from role bindings of the token's subject.
 *
 * @param jwksUrl    where the provider publishes its keys (cached; refetched on an unknown kid, rate-limited)
 * @param jwksFile   or a local JWK set file (public keys), relative to the config file
 */
public record AdminIdpConfig(String issuer, List<String> audiences, String jwksUrl, Path jwksFile,
                             List<String> algorithms, int clockSkewSeconds, int maxLifetimeSeconds, String rolesClaim) {
    public AdminIdpConfig {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
    }
}
