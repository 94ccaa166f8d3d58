package dev.warden.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.token.ClaimTypes;
import dev.warden.token.StrictJson;
import io.vertx.core.Future;
import java.text.ParseException;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies a token of a tenant's own identity provider, for the data plane and the admin API
 * alike. The token's {@code iss} (read before verification, only to choose) names the tenants
 * that trust that issuer; the tenant the caller names must be one of them (or, if it names none,
 * there must be exactly one). The token is then verified with <em>that tenant's</em> keys only
 * (never a global key map), its allowed asymmetric algorithms, {@code typ}, exact issuer, one of
 * its audiences and no other, {@code exp}/{@code nbf} within its skew, {@code iat} not in the
 * future, a maximum lifetime, and (if mapped) a tenant claim equal to the tenant. Keys come from
 * the caller's event loop's {@link JwksCache}: use one instance per event loop.
 */
public final class TenantTokenVerifier {
    /** A verified token of one tenant. */
    public record Verified(String tenantId, JWTClaimsSet claims, TenantAuth.JwtPolicy policy) {
        /** The mapped subject. */
        public String subject() {
            return (String) claims.getClaim(policy.subjectClaim());
        }

        /** The values of the mapped roles claim. */
        public List<String> roles() {
            return ClaimValues.strings(claims.getClaim(policy.rolesClaim()));
        }
    }

    /** Why a token was refused (for the audit and security logs only; the client sees one generic 401). */
    public static final class Refused extends RuntimeException {
        private final String reason;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final JwksCache keys;

    public TenantTokenVerifier(JwksCache keys) {
        this.keys = keys;
    }

    /** A compact JWS: three base64url parts, a JSON header. Anything else is not tried as a token. */
    public static boolean looksLikeJwt(String s) {
        return s.length() < 16_384 && s.startsWith("eyJ") && s.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * Verifies {@code token} for the tenant named {@code requestedTenant} (null: whichever one
     * tenant trusts its issuer). Fails with {@link Refused}.
     */
    public Future<Verified> verify(Snapshot snapshot, String token, String requestedTenant) {
        SignedJWT jwt;
        String issuer;
        JsonNode payload = StrictJson.claimsOf(token);
        if (payload == null) {
            return refuse("token_malformed"); // duplicate names, or not JSON objects (RFC 8725 section 2.6)
        }
        String mistyped = ClaimTypes.mistyped(payload, Map.of());
        if (mistyped != null) {
            return refuse("token_claim_type:" + mistyped); // never widened: see ClaimTypes
        }
        try {
            jwt = SignedJWT.parse(token);
            issuer = jwt.getJWTClaimsSet().getIssuer();
        } catch (ParseException | ClassCastException e) {
            return refuse("token_malformed");
        }
        if (issuer == null) {
            return refuse("token_no_issuer");
        }
        List<String> trusting = snapshot.identities().tenantsTrusting(issuer).stream()
                .filter(t -> snapshot.identities().auth(t).accepts("jwt")).toList();
        String tenantId;
        if (requestedTenant != null) {
            if (!trusting.contains(requestedTenant)) {
                return refuse("tenant_mismatch");
            }
            tenantId = requestedTenant;
        } else if (trusting.size() == 1) {
            tenantId = trusting.get(0);
        } else {
            return refuse(trusting.isEmpty() ? "issuer_unknown" : "tenant_ambiguous");
        }
        TenantAuth.JwtPolicy policy = snapshot.identities().auth(tenantId).jwt();
        mistyped = ClaimTypes.mistypedMapped(payload, ClaimTypes.mapped(policy.subjectClaim(), policy.rolesClaim(), policy.tenantClaim()));
        if (mistyped != null) {
            return refuse("token_claim_type:" + mistyped);
        }
        String kid = jwt.getHeader().getKeyID();
        return keys.keys(policy)
                .compose(set -> kid != null && set.getKeyByKeyId(kid) == null ? keys.refreshForUnknownKid(policy) : Future.succeededFuture(set))
                .map(set -> new Verified(tenantId, verify(token, set, policy, tenantId), policy))
                .recover(e -> refuse(e instanceof Refused r ? r.reason
                        : String.valueOf(e.getMessage()).endsWith("_egress_refused") ? "idp_egress_refused" : "token_invalid"));
    }

    private static <T> Future<T> refuse(String reason) {
        return Future.failedFuture(new Refused(reason));
    }

    static JWTClaimsSet verify(String token, JWKSet set, TenantAuth.JwtPolicy policy, String tenantId) {
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
        } catch (ParseException e) {
            throw new Refused("token_malformed");
        } catch (BadJOSEException | JOSEException e) {
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

}
