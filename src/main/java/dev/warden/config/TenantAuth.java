package dev.warden.config;

import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * How one tenant's callers prove who they are, compiled from its {@code auth} settings (validated
 * by the admin API when stored): the schemes it accepts, its token issuer, and its MFA rules.
 * A tenant without settings accepts API keys only, with no MFA rule.
 *
 * @param jwt null unless the tenant accepts tokens of its own identity provider
 */
public record TenantAuth(Set<String> schemes, JwtPolicy jwt, IntrospectionPolicy introspection, MtlsPolicy mtls,
                         List<MfaRule> mfa) {
    public static final TenantAuth API_KEYS_ONLY = new TenantAuth(Set.of("api-key"), null, null, null, List.of());
    /** The credentials a tenant may accept. */
    public static final Set<String> SCHEMES = Set.of("api-key", "jwt", "introspection", "mtls");
    /** Token signature algorithms a tenant's (or the admin plane's) identity provider may use: asymmetric only. */
    public static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA", "Ed25519");
    /** Where a client certificate's subject is read from. */
    public static final Set<String> IDENTITY_SOURCES = Set.of("san-uri", "san-dns", "san-email", "subject-cn");
    /** The operation classes an MFA rule names. */
    public static final Set<String> OPERATION_CLASSES = Set.of("*", "models", "jobs", "keys", "config", "usage");

    public TenantAuth {
        schemes = Set.copyOf(schemes);
        mfa = List.copyOf(mfa);
    }

    public boolean accepts(String scheme) {
        return schemes.contains(scheme);
    }

    /**
     * A tenant's token issuer.
     *
     * @param jwksUrl    where its keys are (null with inline keys or discovery)
     * @param inlineJwks a JWK set (public keys) given in the settings, as JSON; null otherwise
     * @param discovery  find {@code jwks_uri} in the issuer's OpenID configuration
     * @param requiredTyp the {@code typ} every token must carry ({@code at+jwt} unless set: RFC 9068)
     */
    public record JwtPolicy(String issuer, List<String> audiences, String jwksUrl, String inlineJwks, boolean discovery,
                            List<String> algorithms, String requiredTyp, int clockSkewSeconds, int maxLifetimeSeconds,
                            String subjectClaim, String rolesClaim, String tenantClaim) {
        public JwtPolicy {
            audiences = List.copyOf(audiences);
            algorithms = List.copyOf(algorithms);
        }

        /** Where the keys come from, as a cache key: the same source is fetched once for every tenant using it. */
        public String keySource() {
            return inlineJwks != null ? "inline:" + Integer.toHexString(inlineJwks.hashCode()) : discovery ? "discovery:" + issuer : jwksUrl;
        }
    }

    /**
     * RFC 7662 token introspection for the tenant's opaque tokens: Warden posts the token to
     * {@code url} with HTTP Basic {@code clientId} and the secret held by the environment variable
     * {@code clientSecretEnv} (never stored in Warden's database).
     */
    public record IntrospectionPolicy(String url, String clientId, String clientSecretEnv, int cacheSeconds, int timeoutMs,
                                      String rolesClaim) {
    }

    /**
     * Client certificates of the tenant: those that chain to one of {@code anchors} (its CA bundle)
     * identify a subject of this tenant, taken from {@code identityFrom} ({@code san-uri},
     * {@code san-dns}, {@code san-email} or {@code subject-cn}). {@code boundTokens}:
     * {@code required} means every token of the tenant must be bound to the presented certificate
     * (RFC 8705 {@code cnf.x5t#S256}); {@code when-present} checks the binding when a token has one.
     */
    public record MtlsPolicy(List<X509Certificate> anchors, String caBundlePem, String identityFrom,
                             String boundTokens) {
        public MtlsPolicy {
            anchors = List.copyOf(anchors);
        }
    }

    /**
     * A step-up requirement for some operation classes: the token must show one of {@code amr}
     * (if given), the {@code acr} level (if given), and an authentication no older than
     * {@code maxAgeSeconds} (if above 0).
     */
    public record MfaRule(Set<String> operations, Set<String> amr, String acr, int maxAgeSeconds) {
        public MfaRule {
            operations = Set.copyOf(operations);
            amr = amr == null ? null : Set.copyOf(amr);
        }

        public boolean covers(String operationClass) {
            return operations.contains("*") || operations.contains(operationClass);
        }

        /**
         * Whether an authentication meets this rule: a human sign-in ({@code human}: API keys and
         * client credentials never are) with one of its {@code amr}, its {@code acr}, recent enough.
         */
        public boolean metBy(boolean human, Set<String> tokenAmr, String tokenAcr, long authTimeSec, long nowSec) {
            return human
                    && (amr == null || !Collections.disjoint(amr, tokenAmr))
                    && (acr == null || acr.equals(tokenAcr))
                    && (maxAgeSeconds == 0 || authTimeSec > 0 && nowSec - authTimeSec <= maxAgeSeconds);
        }

        /** The RFC 9470 challenge naming what would meet this rule. */
        public String challenge() {
            StringBuilder sb = new StringBuilder("Bearer realm=\"warden\", error=\"insufficient_user_authentication\", "
                    + "error_description=\"A stronger or more recent authentication is required\"");
            if (acr != null) {
                sb.append(", acr_values=\"").append(acr).append('"');
            }
            if (maxAgeSeconds > 0) {
                sb.append(", max_age=").append(maxAgeSeconds);
            }
            return sb.toString();
        }
    }
}
