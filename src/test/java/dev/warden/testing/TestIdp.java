package dev.warden.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tenant's identity provider, faked at the edge: an OpenID discovery document and a JWKS
 * endpoint on loopback, RSA keys it can rotate, and tokens it signs. Counts JWKS fetches.
 */
public final class TestIdp implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<RSAKey> keys = new CopyOnWriteArrayList<>();
    public final AtomicInteger jwksFetches = new AtomicInteger();
    /** When set, served as the discovery document or the key set instead of the real one (hostile providers). */
    public volatile String discoveryOverride;
    public volatile String jwksOverride;

    public TestIdp() throws Exception {
        keys.add(newKey());
        server = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/.well-known/openid-configuration" -> req.response().putHeader("Content-Type", "application/json")
                        .end(discoveryOverride != null ? discoveryOverride
                                : "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/jwks\"}");
                case "/jwks" -> {
                    jwksFetches.incrementAndGet();
                    List<JWK> pub = keys.stream().map(k -> (JWK) k.toPublicJWK()).toList();
                    req.response().putHeader("Content-Type", "application/json").end(jwksOverride != null ? jwksOverride
                            : new JWKSet(pub).toString());
                }
                default -> req.response().setStatusCode(404).end();
            }
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    }

    private static RSAKey newKey() throws Exception {
        return new RSAKeyGenerator(2048).keyID("k" + System.nanoTime()).generate();
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public String jwksUrl() {
        return issuer() + "/jwks";
    }

    /** A new signing key; the old one stays published (as providers do during a rotation). */
    public void rotate() throws Exception {
        keys.add(0, newKey());
    }

    /** Claims valid now for ten minutes, from this issuer, for {@code audience}. */
    public JWTClaimsSet.Builder claims(String subject, String audience) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(issuer()).audience(audience).subject(subject)
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000));
    }

    /** Signed with the current key. */
    public String sign(JWTClaimsSet claims) throws Exception {
        return sign(keys.get(0), claims);
    }

    public static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
        return sign(key, claims, new JOSEObjectType("at+jwt"));
    }

    /** With another {@code typ} (an ID token says {@code JWT}). */
    public static String sign(RSAKey key, JWTClaimsSet claims, JOSEObjectType typ) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(typ).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** A token whose claims are exactly {@code json}, types as written (the tests of strict claim types), signed with the current key. */
    public String signJson(String json) throws Exception {
        RSAKey key = keys.get(0);
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), new Payload(json));
        jws.sign(new RSASSASigner(key));
        return jws.serialize();
    }

    public RSAKey currentKey() {
        return keys.get(0);
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(5, TimeUnit.SECONDS);
    }
}
