package dev.warden.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Set;

/**
 * EdDSA (Ed25519) for Nimbus JWS objects with the JDK's own implementation (Nimbus's needs Google
 * Tink, which this build does not carry). The JDK signs in about 0.6 ms on this machine kind, so
 * tokens are minted off the event loops and reused (see {@link ServiceTokens}).
 */
final class Ed25519Jws {
    private Ed25519Jws() {
    }

    static JWSSigner signer(PrivateKey key) {
        return new JWSSigner() {
            @Override
            public Base64URL sign(JWSHeader header, byte[] input) throws JOSEException {
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(key);
                    s.update(input);
                    return Base64URL.encode(s.sign());
                } catch (java.security.GeneralSecurityException e) {
                    throw new JOSEException("Ed25519 signing failed", e);
                }
            }

            @Override
            public Set<JWSAlgorithm> supportedJWSAlgorithms() {
                return Set.of(JWSAlgorithm.EdDSA);
            }

            @Override
            public JCAContext getJCAContext() {
                return new JCAContext();
            }
        };
    }

    static JWSVerifier verifier(PublicKey key) {
        return new JWSVerifier() {
            @Override
            public boolean verify(JWSHeader header, byte[] input, Base64URL signature) throws JOSEException {
                if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
                    return false;
                }
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initVerify(key);
                    s.update(input);
                    return s.verify(signature.decode());
                } catch (java.security.GeneralSecurityException e) {
                    return false;
                }
            }

            @Override
            public Set<JWSAlgorithm> supportedJWSAlgorithms() {
                return Set.of(JWSAlgorithm.EdDSA);
            }

            @Override
            public JCAContext getJCAContext() {
                return new JCAContext();
            }
        };
    }
}
