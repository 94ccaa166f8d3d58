package dev.warden.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.crypto.ClientCertificates;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * Authenticates a bearer token issued by a tenant's own identity provider on the data plane: the
 * token is verified for the tenant the request names by {@link TenantTokenVerifier} (that
 * tenant's keys only, RFC 8725 throughout), then its RFC 8705 certificate binding is checked and
 * it becomes the principal: roles from the mapped roles claim and the tenant's role bindings of
 * the subject. A token verified with tenant A's trust material grants tenant A only, whatever it
 * claims. One instance per event loop (its key cache is that loop's).
 */
final class TokenAuthenticator {
    private final TenantTokenVerifier verifier;

    TokenAuthenticator(JwksCache keys) {
        this.verifier = new TenantTokenVerifier(keys);
    }

    static boolean looksLikeJwt(String s) {
        return TenantTokenVerifier.looksLikeJwt(s);
    }

    Future<Outcome> authenticate(Exchange exchange, String token, List<X509Certificate> clientChain) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        if (claim != null && claim.tenant() == null) {
            return reject("tenant_mismatch");
        }
        return verifier.verify(snapshot, token, claim == null ? null : claim.id()).transform(ar -> {
            if (ar.failed()) {
                return reject(ar.cause() instanceof TenantTokenVerifier.Refused r ? r.reason() : "token_invalid");
            }
            TenantTokenVerifier.Verified v = ar.result();
            String binding = checkBinding(v.claims(), snapshot.identities().auth(v.tenantId()).mtls(), clientChain);
            return binding != null ? reject(binding) : admit(exchange, snapshot, v.tenantId(), v.policy(), v.claims());
        });
    }

    /**
     * RFC 8705 certificate binding: a token with {@code cnf.x5t#S256} is accepted only over a
     * connection that presented that very certificate; a tenant may require every token be bound.
     * Returns the refusal reason, or null.
     */
    static String checkBinding(JWTClaimsSet claims, TenantAuth.MtlsPolicy mtls, List<X509Certificate> chain) {
        Object cnf = claims.getClaim("cnf");
        Object x5t = cnf instanceof Map<?, ?> m ? m.get("x5t#S256") : null;
        if (x5t == null) {
            return mtls != null && "required".equals(mtls.boundTokens()) ? "token_unbound" : null;
        }
        if (chain.isEmpty()) {
            return "token_binding_no_certificate";
        }
        byte[] expected = String.valueOf(x5t).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = ClientCertificates.thumbprint(chain.get(0)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, actual) ? null : "token_binding_mismatch";
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
