package dev.warden.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.crypto.Ed25519Jws;
import java.security.PublicKey;
import java.text.ParseException;
import java.util.List;

/**
 * What an upstream does with a service token (the sim uses it): EdDSA signature by a key of
 * Warden's JWKS, {@code typ}, issuer, audience = its pool, not expired. Returns the claims, or
 * null for any failure.
 */
public final class ServiceTokenVerifier {

    /** What Warden's service tokens carry besides the registered claims: the tenant, its roles and region. */
    private static final java.util.Map<String, ClaimTypes.Type> SERVICE_CLAIMS = java.util.Map.of(
            "tenant", ClaimTypes.Type.STRING, "roles", ClaimTypes.Type.STRINGS, "region", ClaimTypes.Type.STRING);

    private ServiceTokenVerifier() {
    }

    public static JWTClaimsSet verify(String token, JWKSet keys, String issuer, String audience) {
        JWTClaimsSet c = verify(token, keys, issuer);
        return c != null && c.getAudience() != null && c.getAudience().equals(List.of(audience)) ? c : null;
    }

    /** The same, whatever the audience (the caller checks it). */
    public static JWTClaimsSet verify(String token, JWKSet keys, String issuer) {
        if (ClaimTypes.mistyped(StrictJson.claimsOf(token), SERVICE_CLAIMS) != null) {
            return null; // Warden signs these itself; read as strictly as any issuer's all the same
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (jwt.getHeader().getType() == null || !ServiceTokens.TYP.equals(jwt.getHeader().getType().getType())) {
                return null;
            }
            JWK jwk = jwt.getHeader().getKeyID() == null ? null : keys.getKeyByKeyId(jwt.getHeader().getKeyID());
            PublicKey key = jwk == null ? null : Ed25519Jws.publicKey(jwk);
            if (key == null || !jwt.verify(Ed25519Jws.verifier(key))) {
                return null;
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            if (!issuer.equals(c.getIssuer()) || c.getAudience() == null || c.getAudience().size() != 1
                    || c.getExpirationTime() == null || c.getExpirationTime().getTime() <= System.currentTimeMillis()) {
                return null;
            }
            return c;
        } catch (ParseException | JOSEException e) {
            return null;
        }
    }
}
