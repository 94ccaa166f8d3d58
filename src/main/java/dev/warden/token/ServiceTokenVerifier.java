package dev.warden.token;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * What an upstream does with a service token (the sim uses it): EdDSA signature by a key of
 * Warden's JWKS, {@code typ}, issuer, audience = its pool, not expired. Returns the claims, or
 * null for any failure.
 */
public final class ServiceTokenVerifier {
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private ServiceTokenVerifier() {
    }

    public static JWTClaimsSet verify(String token, JWKSet keys, String issuer, String audience) {
        JWTClaimsSet c = verify(token, keys, issuer);
        return c != null && c.getAudience() != null && c.getAudience().equals(java.util.List.of(audience)) ? c : null;
    }

    /** The same, whatever the audience (the caller checks it). */
    public static JWTClaimsSet verify(String token, JWKSet keys, String issuer) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (jwt.getHeader().getType() == null || !ServiceTokens.TYP.equals(jwt.getHeader().getType().getType())) {
                return null;
            }
            JWK jwk = jwt.getHeader().getKeyID() == null ? null : keys.getKeyByKeyId(jwt.getHeader().getKeyID());
            if (!(jwk instanceof OctetKeyPair okp)) {
                return null;
            }
            byte[] raw = okp.getX().decode();
            byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
            System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
            System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            if (!jwt.verify(Ed25519Jws.verifier(key))) {
                return null;
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            if (!issuer.equals(c.getIssuer()) || c.getAudience() == null || c.getAudience().size() != 1
                    || c.getExpirationTime() == null || c.getExpirationTime().getTime() <= System.currentTimeMillis()) {
                return null;
            }
            return c;
        } catch (java.text.ParseException | com.nimbusds.jose.JOSEException | java.security.GeneralSecurityException e) {
            return null;
        }
    }
}
