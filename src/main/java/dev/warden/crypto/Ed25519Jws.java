package dev.warden.crypto;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSProvider;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Set;

/**
 * EdDSA (Ed25519) for Nimbus JWS objects with the JDK's own implementation (Nimbus's needs Google
 * Tink, which this build does not carry): Warden's service tokens are signed with it, and tenants'
 * identity providers that sign with Ed25519 are verified with it. The JDK signs in about 0.6 ms on
 * this machine kind, so service tokens are minted off the event loops and reused. It lives in
 * {@code config} beside {@link KeyHasher}: shared crypto, used by more than one stage package.
 * Both algorithm names verify: {@code EdDSA} (RFC 8037) and {@code Ed25519} (RFC 9864).
 */
public final class Ed25519Jws {
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final JWSAlgorithm ED25519 = new JWSAlgorithm("Ed25519");
    private Ed25519Jws() {
    }

    /** What a signer and a verifier both tell Nimbus: the algorithm names they take, the JDK's provider. */
    private abstract static class Provider implements JWSProvider {
        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return Set.of(JWSAlgorithm.EdDSA, ED25519);
        }

        @Override
        public JCAContext getJCAContext() {
            return new JCAContext();
        }
    }

    public static JWSSigner signer(PrivateKey key) {
        class Signer extends Provider implements JWSSigner {
            @Override
            public Base64URL sign(JWSHeader header, byte[] input) throws JOSEException {
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(key);
                    s.update(input);
                    return Base64URL.encode(s.sign());
                } catch (GeneralSecurityException e) {
                    throw new JOSEException("Ed25519 signing failed", e);
                }
            }
        }
        return new Signer();
    }

    public static JWSVerifier verifier(PublicKey key) {
        class Verifier extends Provider implements JWSVerifier {
            @Override
            public boolean verify(JWSHeader header, byte[] input, Base64URL signature) throws JOSEException {
                if (!isEd25519(header.getAlgorithm())) {
                    return false;
                }
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initVerify(key);
                    s.update(input);
                    return s.verify(signature.decode());
                } catch (GeneralSecurityException e) {
                    return false;
                }
            }
        }
        return new Verifier();
    }

    /** Whether a JWS algorithm name means Ed25519. */
    public static boolean isEd25519(JWSAlgorithm alg) {
        return JWSAlgorithm.EdDSA.equals(alg) || ED25519.equals(alg);
    }

    /** An {@code OKP} / {@code Ed25519} JWK's public key as a JDK key, or null for any other key. */
    public static PublicKey publicKey(JWK jwk) {
        if (!(jwk instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
            return null;
        }
        byte[] raw = okp.getX().decode();
        if (raw.length != 32) {
            return null;
        }
        byte[] spki = new byte[SPKI_PREFIX.length + raw.length];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
