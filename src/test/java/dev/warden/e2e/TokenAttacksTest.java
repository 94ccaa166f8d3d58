package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestIdp;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ATTACKS rows B01, B04, B05, B08, B09, B10, B11, B13, B17 against a tenant's token issuer. */
class TokenAttacksTest {
    private TestGateway gw;
    private TestIdp idp;

    @BeforeEach
    void start() throws Exception {
        idp = new TestIdp();
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
        HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"jwksUrl":"%s","clockSkewSeconds":60}}"""
                .formatted(idp.issuer(), idp.jwksUrl()), "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        idp.close();
    }

    private JWTClaimsSet.Builder claims() {
        return idp.claims("alice", "warden").claim("roles", List.of("developer"));
    }

    private int status(String token) throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(token));
        if (r.statusCode() == 401) {
            // B17: the one generic answer, no library text, and the refusal is audited
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"warden\", error=\"invalid_token\"");
            assertThat(r.body()).doesNotContain("kid").doesNotContain("nimbus").doesNotContain("acme").doesNotContain("Exception");
            gw.assertAudited(r);
        }
        return r.statusCode();
    }

    /** A token signed by the provider's key over a hand-made header and payload. */
    private String raw(String headerJson, String payloadJson) throws Exception {
        Base64URL h = Base64URL.encode(headerJson.getBytes(StandardCharsets.UTF_8));
        Base64URL p = Base64URL.encode(payloadJson.getBytes(StandardCharsets.UTF_8));
        byte[] input = (h + "." + p).getBytes(StandardCharsets.US_ASCII);
        Base64URL sig = new RSASSASigner(idp.currentKey()).sign(new JWSHeader(JWSAlgorithm.RS256), input);
        return h + "." + p + "." + sig;
    }

    @Test
    void b01b10AlgorithmAndTypeConfusionsAreRefused() throws Exception {
        assertThat(status(idp.sign(claims().build()))).isEqualTo(200);
        String payload = claims().build().toString();
        for (String alg : List.of("none", "None", "NONE")) {
            String h = Base64URL.encode(("{\"alg\":\"" + alg + "\",\"typ\":\"at+jwt\"}").getBytes(StandardCharsets.UTF_8)).toString();
            String p = Base64URL.encode(payload.getBytes(StandardCharsets.UTF_8)).toString();
            assertThat(status(h + "." + p + ".")).as(alg).isEqualTo(401);
        }
        // an ID token (typ JWT) or a token without typ is not an access token
        assertThat(status(TestIdp.sign(idp.currentKey(), claims().build(), JOSEObjectType.JWT))).isEqualTo(401);
        assertThat(status(raw("{\"alg\":\"RS256\",\"kid\":\"" + idp.currentKey().getKeyID() + "\"}", payload))).isEqualTo(401);
        // a critical header Warden does not understand
        assertThat(status(raw("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + idp.currentKey().getKeyID()
                + "\",\"crit\":[\"x-unknown\"],\"x-unknown\":1}", payload))).isEqualTo(401);
    }

    @Test
    void b04b05EmbeddedKeysAndHostileKidsAreNeverUsed() throws Exception {
        var attacker = new RSAKeyGenerator(2048).keyID(idp.currentKey().getKeyID()).generate();
        int fetches = idp.jwksFetches.get();
        SignedJWT withJwk = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt"))
                .keyID(attacker.getKeyID()).jwk(attacker.toPublicJWK()).build(), claims().build());
        withJwk.sign(new RSASSASigner(attacker));
        assertThat(status(withJwk.serialize())).isEqualTo(401);
        SignedJWT withJku = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt"))
                .jwkURL(URI.create("http://127.0.0.1:1/evil-jwks")).build(), claims().build());
        withJku.sign(new RSASSASigner(attacker));
        assertThat(status(withJku.serialize())).isEqualTo(401);
        for (String kid : List.of("../../dev/null", "' OR '1'='1", "http://127.0.0.1:1/k", "x".repeat(10_000), "a\u0000b")) {
            SignedJWT t = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt")).keyID(kid).build(),
                    claims().build());
            t.sign(new RSASSASigner(attacker));
            int s = status(t.serialize());
            assertThat(s).as(kid.length() > 20 ? kid.substring(0, 20) : kid).isIn(401, 431);
        }
        // Only the tenant's own JWKS URL is ever fetched: the first fetch and one unknown-kid refetch
        // per event loop (two loops), whatever the headers carried.
        assertThat(idp.jwksFetches.get() - fetches).isLessThanOrEqualTo(4);
    }

    @Test
    void b08b09TimesAudiencesAndIssuersAreExact() throws Exception {
        long now = System.currentTimeMillis();
        assertThat(status(idp.sign(claims().expirationTime(new Date(now - 50_000)).build()))).as("now-50s with 60 s leeway").isEqualTo(200);
        assertThat(status(idp.sign(claims().expirationTime(new Date(now - 70_000)).build()))).as("now-70s").isEqualTo(401);
        assertThat(status(idp.sign(claims().notBeforeTime(new Date(now + 300_000)).build()))).isEqualTo(401);
        assertThat(status(idp.sign(claims().issueTime(new Date(now + 300_000)).build()))).isEqualTo(401);
        assertThat(status(idp.sign(new JWTClaimsSet.Builder(claims().build()).expirationTime(null).build()))).isEqualTo(401);
        String kid = idp.currentKey().getKeyID();
        String base = "\"iss\":\"" + idp.issuer() + "\",\"aud\":\"warden\",\"sub\":\"alice\",\"roles\":[\"developer\"],\"iat\":" + (now / 1000 - 1);
        for (String exp : List.of("\"9999999999\"", "1e300", "-1")) {
            assertThat(status(raw("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}", "{" + base + ",\"exp\":" + exp + "}")))
                    .as(exp).isEqualTo(401);
        }
        assertThat(status(idp.sign(claims().audience(List.of("warden", "billing-service")).build()))).as("extra audience").isEqualTo(401);
        assertThat(status(idp.sign(claims().audience((String) null).build()))).as("no audience").isEqualTo(401);
        assertThat(status(idp.sign(claims().issuer(idp.issuer() + "/").build()))).as("issuer with a trailing slash").isEqualTo(401);
    }

    @Test
    void b11b13DuplicateNamesAndMalformedSerializationsAreRefused() throws Exception {
        String kid = idp.currentKey().getKeyID();
        long now = System.currentTimeMillis() / 1000;
        String payload = "{\"iss\":\"" + idp.issuer() + "\",\"aud\":\"warden\",\"sub\":\"alice\",\"roles\":[\"developer\"],\"iat\":"
                + (now - 1) + ",\"exp\":" + (now + 600);
        assertThat(status(raw("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}", payload + "}"))).isEqualTo(200);
        assertThat(status(raw("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}", payload + ",\"sub\":\"mallory\"}")))
                .as("duplicate claim").isEqualTo(401);
        assertThat(status(raw("{\"alg\":\"RS256\",\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}", payload + "}")))
                .as("duplicate header").isEqualTo(401);
        String good = idp.sign(claims().build());
        String[] parts = good.split("\\.");
        assertThat(status(good + ".extra")).isEqualTo(401);
        assertThat(status(parts[0] + "." + parts[1] + "." + parts[2].replace('-', '+').replace('_', '/') + "==")).isIn(401);
        assertThat(status("{\"payload\":\"" + parts[1] + "\",\"signatures\":[]}")).isEqualTo(401);
    }

    @Test
    void b12AJweIsNeverTakenForASignedToken() throws Exception {
        var rsa = idp.currentKey();
        JWEObject jwe = new JWEObject(
                new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                        .contentType("JWT").build(), new Payload(idp.sign(claims().build())));
        jwe.encrypt(new RSAEncrypter(rsa.toRSAPublicKey()));
        long t0 = System.nanoTime();
        assertThat(status(jwe.serialize())).isEqualTo(401);
        // PBES2 with a huge iteration count: never parsed, let alone derived
        String pbes2 = Base64URL.encode("{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2c\":2147483647,\"p2s\":\"AAAA\"}"
                .getBytes(StandardCharsets.UTF_8)) + ".AAAA.AAAA.AAAA.AAAA";
        assertThat(status(pbes2)).isEqualTo(401);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("refused without work").isLessThan(2000);
    }
}
