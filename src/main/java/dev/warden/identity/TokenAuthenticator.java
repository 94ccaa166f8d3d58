package dev.warden.identity;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.GatewayError;
import dev.warden.pipeline.Outcome;
import dev.warden.tenant.RequestContext;
import dev.warden.tenant.TenantClaim;
import io.vertx.core.Future;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Authenticates a bearer token issued by a tenant's own identity provider (RFC 8725 throughout).
 * The token's {@code iss} (read before verification, only to choose) names the tenants that trust
 * that issuer; the tenant the request names must be one of them (or, if it names none, there must
 * be exactly one). The token is then verified with <em>that tenant's</em> keys only — never a
 * global key map — with its allowed (asymmetric) algorithms, {@code typ}, exact issuer, one of its
 * audiences, {@code exp}/{@code nbf} within its skew, a maximum lifetime, and (if mapped) a tenant
 * claim equal to the tenant. A token verified with tenant A's trust material grants tenant A only,
 * whatever it claims. Roles come from the mapped roles claim and the tenant's role bindings of the
 * subject. One instance per event loop (its key cache is that loop's).
 */
final class TokenAuthenticator {
    private final JwksCache keys;

    TokenAuthenticator(JwksCache keys) {
        this.keys = keys;
    }

    /** A compact JWS: three base64url parts, a JSON header. Anything else is not tried as a token. */
    static boolean looksLikeJwt(String s) {
        return s.length() < 16_384 && s.startsWith("eyJ") && s.chars().filter(c -> c == '.').count() == 2;
    }

    Future<Outcome> authenticate(Exchange exchange, String token, List<java.security.cert.X509Certificate> clientChain) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        SignedJWT jwt;
        String issuer;
        if (!StrictJson.compactPartsAreObjects(token)) {
            return reject("token_malformed"); // duplicate names, or not JSON objects (RFC 8725 section 2.6)
        }
        try {
            jwt = SignedJWT.parse(token);
            issuer = jwt.getJWTClaimsSet().getIssuer();
        } catch (java.text.ParseException | ClassCastException e) {
            return reject("token_malformed");
        }
        if (issuer == null) {
            return reject("token_no_issuer");
        }
        List<String> trusting = snapshot.identities().tenantsTrusting(issuer).stream()
                .filter(t -> snapshot.identities().auth(t).accepts("jwt")).toList();
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        String tenantId;
        if (claim != null) {
            if (claim.tenant() == null || !trusting.contains(claim.id())) {
                return reject("tenant_mismatch");
            }
            tenantId = claim.id();
        } else if (trusting.size() == 1) {
            tenantId = trusting.get(0);
        } else {
            return reject(trusting.isEmpty() ? "issuer_unknown" : "tenant_ambiguous");
        }
        TenantAuth.JwtPolicy policy = snapshot.identities().auth(tenantId).jwt();
        String kid = jwt.getHeader().getKeyID();
        return keys.keys(policy)
                .compose(set -> kid != null && set.getKeyByKeyId(kid) == null ? keys.refreshForUnknownKid(policy) : Future.succeededFuture(set))
                .map(set -> verify(token, set, policy, tenantId))
                .transform(ar -> {
                    if (ar.failed()) {
                        return reject(ar.cause() instanceof Refused r ? r.reason : "token_invalid");
                    }
                    String binding = checkBinding(ar.result(), snapshot.identities().auth(tenantId).mtls(), clientChain);
                    return binding != null ? reject(binding) : admit(exchange, snapshot, tenantId, policy, ar.result());
                });
    }

    /**
     * RFC 8705 certificate binding: a token with {@code cnf.x5t#S256} is accepted only over a
     * connection that presented that very certificate; a tenant may require every token be bound.
     * Returns the refusal reason, or null.
     */
    static String checkBinding(JWTClaimsSet claims, TenantAuth.MtlsPolicy mtls, List<java.security.cert.X509Certificate> chain) {
        Object cnf = claims.getClaim("cnf");
        Object x5t = cnf instanceof java.util.Map<?, ?> m ? m.get("x5t#S256") : null;
        if (x5t == null) {
            return mtls != null && "required".equals(mtls.boundTokens()) ? "token_unbound" : null;
        }
        if (chain.isEmpty()) {
            return "token_binding_no_certificate";
        }
        byte[] expected = String.valueOf(x5t).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] actual = ClientCertificates.thumbprint(chain.get(0)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return java.security.MessageDigest.isEqual(expected, actual) ? null : "token_binding_mismatch";
    }

    /** Why a token was refused (for the audit and security logs only). */
    private static final class Refused extends RuntimeException {
        final String reason;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    private static JWTClaimsSet verify(String token, JWKSet set, TenantAuth.JwtPolicy policy, String tenantId) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(policy.requiredTyp())));
        Set<JWSAlgorithm> algs = policy.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        p.setJWSKeySelector(new TenantKeySelector(algs, set));
        p.setJWSVerifierFactory(TenantKeySelector.VERIFIERS);
        Set<String> required = new HashSet<>(Set.of("exp", "iat", policy.subjectClaim()));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(new HashSet<>(policy.audiences()),
                new JWTClaimsSet.Builder().issuer(policy.issuer()).build(), required, null);
        claims.setMaxClockSkew(policy.clockSkewSeconds());
        p.setJWTClaimsSetVerifier(claims);
        JWTClaimsSet verified;
        try {
            verified = p.process(token, null);
        } catch (java.text.ParseException e) {
            throw new Refused("token_malformed");
        } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
            throw new Refused("token_rejected");
        }
        Date iat = verified.getIssueTime();
        Date exp = verified.getExpirationTime();
        if (exp.getTime() - iat.getTime() > policy.maxLifetimeSeconds() * 1000L) {
            throw new Refused("token_lifetime");
        }
        if (iat.getTime() > System.currentTimeMillis() + policy.clockSkewSeconds() * 1000L) {
            throw new Refused("token_issued_in_future");
        }
        // Every audience the token names must be one of the tenant's: a token minted for several
        // services at once is not accepted here (aud compared as exact strings).
        if (!policy.audiences().containsAll(verified.getAudience())) {
            throw new Refused("token_audience_extra");
        }
        if (policy.tenantClaim() != null) {
            Object t = verified.getClaim(policy.tenantClaim());
            if (!(t instanceof String s) || !s.equals(tenantId)) {
                throw new Refused("token_tenant_claim"); // one tenant, exactly this one; never a list
            }
        }
        Object sub = verified.getClaim(policy.subjectClaim());
        if (!(sub instanceof String s) || s.isEmpty() || s.length() > 256) {
            throw new Refused("token_subject");
        }
        return verified;
    }

    private static Future<Outcome> admit(Exchange exchange, Snapshot snapshot, String tenantId, TenantAuth.JwtPolicy policy,
                                         JWTClaimsSet claims) {
        return TokenPrincipals.admit(exchange, snapshot, tenantId, (String) claims.getClaim(policy.subjectClaim()),
                ClaimValues.strings(claims.getClaim(policy.rolesClaim())), ClaimValues.signIn(claims));
    }

    private static Future<Outcome> reject(String reason) {
        return Outcome.rejectNow(GatewayError.unauthenticated(reason));
    }
}
