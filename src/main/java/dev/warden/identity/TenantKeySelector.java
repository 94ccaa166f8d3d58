package dev.warden.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import dev.warden.crypto.Ed25519Jws;
import java.security.Key;
import java.security.interfaces.EdECPublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Key selection and verification for one tenant's token, over that tenant's JWK set only: Nimbus's
 * own rules for RSA and EC keys, plus Ed25519 ({@code EdDSA} / {@code Ed25519}) verified with the
 * JDK. An Ed25519 key is used only when the tenant allows that algorithm, its {@code kid} matches
 * the header's, and it is a signing key (or says nothing of its use).
 */
final class TenantKeySelector implements JWSKeySelector<SecurityContext> {
    /** Verifies Ed25519 with the JDK, everything else as Nimbus does. */
    static final JWSVerifierFactory VERIFIERS = new JWSVerifierFactory() {
        private final DefaultJWSVerifierFactory nimbus = new DefaultJWSVerifierFactory();

        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
            if (key instanceof EdECPublicKey edKey && Ed25519Jws.isEd25519(header.getAlgorithm())) {
                return Ed25519Jws.verifier(edKey);
            }
            return nimbus.createJWSVerifier(header, key);
        }

        @Override
        public JCAContext getJCAContext() {
            return nimbus.getJCAContext();
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            Set<JWSAlgorithm> all = new HashSet<>(nimbus.supportedJWSAlgorithms());
            all.add(JWSAlgorithm.EdDSA);
            all.add(new JWSAlgorithm("Ed25519"));
            return all;
        }
    };

    private final Set<JWSAlgorithm> allowed;
    private final JWKSet keys;
    private final JWSVerificationKeySelector<SecurityContext> nimbus;

    TenantKeySelector(Set<JWSAlgorithm> allowed, JWKSet keys) {
        this.allowed = allowed;
        this.keys = keys;
        this.nimbus = new JWSVerificationKeySelector<>(allowed, new ImmutableJWKSet<>(keys));
    }

    @Override
    public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
        if (!Ed25519Jws.isEd25519(header.getAlgorithm())) {
            return nimbus.selectJWSKeys(header, context);
        }
        List<Key> out = new ArrayList<>();
        if (!allowed.contains(header.getAlgorithm())) {
            return out;
        }
        for (JWK jwk : keys.getKeys()) {
            boolean kidMatches = header.getKeyID() == null ? jwk.getKeyID() == null : header.getKeyID().equals(jwk.getKeyID());
            boolean forSigning = jwk.getKeyUse() == null || KeyUse.SIGNATURE.equals(jwk.getKeyUse());
            boolean algMatches = jwk.getAlgorithm() == null || jwk.getAlgorithm().getName().equals(header.getAlgorithm().getName());
            Key key = kidMatches && forSigning && algMatches ? Ed25519Jws.publicKey(jwk) : null;
            if (key != null) {
                out.add(key);
            }
        }
        return out;
    }
}
