package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admin sign-in with tokens of the admin identity provider (a test IdP: a local JWK set): roles
 * from the roles claim (platform roles only) and from role bindings; every malformed, foreign,
 * expired, over-long or unsigned token is a 401.
 */
class AdminJwtTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = "https://idp.example.test";
    private TestGateway gw;
    private RSAKey key;
    private Path jwks;

    @BeforeEach
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        jwks = Files.createTempFile("warden-jwks", ".json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        gw = new TestGateway(yaml -> yaml + """

                admin:
                  idp:
                    issuer: %s
                    audiences: [warden-admin]
                    jwksFile: %s
                """.formatted(ISSUER, jwks), Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        Files.deleteIfExists(jwks);
    }

    private JWTClaimsSet.Builder claims(String sub) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience("warden-admin").subject(sub)
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000));
    }

    private String sign(RSAKey with, JWTClaimsSet c) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).type(JOSEObjectType.JWT).build(), c);
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    private JsonNode whoami(String token) throws Exception {
        var r = Http.get(gw.adminUrl("/admin/v1/whoami"), "Authorization", bearer(token));
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode().put("status", r.statusCode());
    }

    @Test
    void rolesComeFromTheClaimAndFromBindings() throws Exception {
        JsonNode auditor = whoami(sign(key, claims("carol").claim("roles", List.of("platform-auditor", "tenant-admin")).build()));
        assertThat(auditor.path("kind").asText()).isEqualTo("platform-auditor");
        assertThat(auditor.path("name").asText()).isEqualTo("jwt:carol");

        String dave = sign(key, claims("dave@corp").build());
        assertThat(whoami(dave).path("status").asInt()).isEqualTo(403); // valid, but no admin role

        String admin = bearer(gw.adminToken);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"),
                "{\"subject\":\"dave@corp\",\"role\":\"tenant-admin\"}", "Authorization", admin).statusCode()).isEqualTo(201);
        JsonNode tenantAdmin = whoami(dave);
        assertThat(tenantAdmin.path("kind").asText()).isEqualTo("tenant-admin");
        assertThat(tenantAdmin.path("tenants").toString()).isEqualTo("[\"acme\"]");
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(dave)).statusCode()).isEqualTo(200);
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/globex/keys"), "Authorization", bearer(dave)).statusCode()).isEqualTo(404);

        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/role-bindings"),
                "{\"subject\":\"dave@corp\",\"role\":\"platform-admin\"}", "Authorization", admin).statusCode()).isEqualTo(201);
        assertThat(whoami(dave).path("kind").asText()).isEqualTo("platform-admin");
        assertThat(Http.call("DELETE", gw.adminUrl("/admin/v1/role-bindings?subject=dave%40corp&role=platform-admin"), null,
                "Authorization", admin).statusCode()).isEqualTo(204);
        assertThat(whoami(dave).path("kind").asText()).isEqualTo("tenant-admin");

        // A tenant-scoped binding can never carry a platform role, nor a platform one a tenant role.
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"),
                "{\"subject\":\"eve\",\"role\":\"platform-admin\"}", "Authorization", admin).statusCode()).isEqualTo(400);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/role-bindings"),
                "{\"subject\":\"eve\",\"role\":\"developer\"}", "Authorization", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void everyBadTokenIsRefusedWith401() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate(); // same kid, other key
        long now = System.currentTimeMillis();
        JWTClaimsSet ok = claims("carol").claim("roles", List.of("platform-admin")).build();
        assertThat(whoami(sign(key, ok)).path("kind").asText()).isEqualTo("platform-admin");

        List<String> bad = List.of(
                sign(stranger, ok),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).issuer("https://other.test").build()),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).audience("someone-else").build()),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).expirationTime(new Date(now - 120_000)).build()),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).expirationTime(new Date(now + 86_400_000L)).build()),
                sign(key, new JWTClaimsSet.Builder(ok).subject(null).build()),
                new PlainJWT(ok).serialize(),
                hs256WithThePublicKey(ok),
                sign(key, ok).replace('.', '.') + "x",
                "not.a.jwt",
                // claims of another JSON type than theirs: never widened (ClaimTypes)
                sign(key, claims("carol").claim("roles", "platform-admin").build()),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).claim("exp", Long.toString(now / 1000 + 600)).build()),
                sign(key, claims("carol").claim("roles", List.of("platform-admin")).claim("sub", List.of("carol")).build()));
        for (String token : bad) {
            assertThat(whoami(token).path("status").asInt()).as(token).isEqualTo(401);
        }
    }

    /** The classic confusion attack: HS256 keyed with the public key's bytes. */
    private String hs256WithThePublicKey(JWTClaimsSet c) throws Exception {
        byte[] secret = key.toPublicJWK().toRSAPublicKey().getEncoded();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), c);
        jwt.sign(new MACSigner(Arrays.copyOf(secret, Math.max(32, secret.length))));
        return jwt.serialize();
    }
}
