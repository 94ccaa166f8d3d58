package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.crypto.Ed25519Jws;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestIdp;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenants' own identity providers on the data plane: a token verified with tenant A's trust
 * material grants tenant A only, whatever it claims; every bad token is one 401 (audited); keys
 * rotate at the provider without an outage; roles from claims and bindings; MFA step-up.
 */
class TenantTokenTest {
    private TestGateway gw;
    private TestIdp acmeIdp;
    private TestIdp globexIdp;
    private String admin;

    @BeforeEach
    void start() throws Exception {
        acmeIdp = new TestIdp();
        globexIdp = new TestIdp();
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
        admin = bearer(gw.adminToken);
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"discovery":true}}""".formatted(acmeIdp.issuer()));
        setAuth("globex", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"jwksUrl":"%s","claims":{"tenant":"org"}}}"""
                .formatted(globexIdp.issuer(), globexIdp.jwksUrl()));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        acmeIdp.close();
        globexIdp.close();
    }

    private void setAuth(String tenant, String json) {
        HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/" + tenant + "/settings/auth"), json, "Authorization", admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> chatAs(String token, String... extra) {
        String[] headers = Http.authorized(bearer(token), extra);
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), headers);
    }

    /** The tenant the last forwarded request named upstream (whichever sim answered it). */
    private String upstreamTenant() {
        return gw.lastUpstreamHeaders().get("X-Tenant-ID");
    }

    @Test
    void aTenantsTokenGrantsThatTenantOnly() throws Exception {
        String token = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build());
        HttpResponse<String> ok = chatAs(token);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(upstreamTenant()).isEqualTo("acme");
        assertThat(chatAs(token, "X-Tenant-ID", "acme").statusCode()).isEqualTo(200);

        long before = gw.upstreamRequests();
        // naming another tenant: the same 401 as any bad credential
        HttpResponse<String> other = chatAs(token, "X-Tenant-ID", "globex");
        assertThat(other.statusCode()).isEqualTo(401);
        gw.assertAudited(other);
        // globex's provider signs a token claiming acme's issuer: acme's keys do not verify it
        String forged = TestIdp.sign(globexIdp.currentKey(), acmeIdp.claims("mallory", "warden")
                .claim("roles", List.of("tenant-admin")).build());
        HttpResponse<String> forgedAnswer = chatAs(forged);
        assertThat(forgedAnswer.statusCode()).isEqualTo(401);
        gw.assertAudited(forgedAnswer);
        // globex's token names its tenant in the mapped claim; another value, or a list, is refused
        String globex = globexIdp.sign(globexIdp.claims("bob", "warden").claim("org", "globex").claim("roles", List.of("developer")).build());
        assertThat(chatAs(globex).statusCode()).isEqualTo(200);
        assertThat(upstreamTenant()).isEqualTo("globex");
        before = gw.upstreamRequests();
        for (Object org : new Object[] {"acme", List.of("globex", "acme"), null}) {
            var c = globexIdp.claims("bob", "warden").claim("roles", List.of("developer"));
            if (org != null) {
                c.claim("org", org);
            }
            assertThat(chatAs(globexIdp.sign(c.build())).statusCode()).as(String.valueOf(org)).isEqualTo(401);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        assertThat(other.body()).isEqualTo(forgedAnswer.body());
    }

    @Test
    void everyClaimWardenReadsHasOneJsonTypeAndNoOtherIsWidened() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> good = new LinkedHashMap<>();
        good.put("iss", "\"" + acmeIdp.issuer() + "\"");
        good.put("aud", "\"warden\"");
        good.put("sub", "\"alice\"");
        good.put("iat", Long.toString(now - 1));
        good.put("exp", Long.toString(now + 600));
        good.put("roles", "[\"developer\"]");
        assertThat(chatAs(acmeIdp.signJson(json(good))).statusCode()).as("the same claims, well typed").isEqualTo(200);
        assertThat(chatAs(acmeIdp.signJson(json(with(good, "aud", "[\"warden\"]")))).statusCode())
                .as("aud: RFC 7519 allows a string or an array of strings").isEqualTo(200);
        String[][] cases = {
            {"exp", "\"" + (now + 600) + "\""}, {"exp", (now + 600) + ".5"}, {"exp", "null"}, {"exp", "1e10"},
            {"iat", "\"" + now + "\""}, {"nbf", "-5"}, {"nbf", "true"},
            {"sub", "42"}, {"sub", "{\"id\":\"alice\"}"}, {"sub", "[\"alice\"]"}, {"sub", "null"},
            {"iss", "[\"" + acmeIdp.issuer() + "\"]"}, {"aud", "5"}, {"aud", "[\"warden\",5]"}, {"aud", "{}"},
            {"roles", "\"developer\""}, {"roles", "[\"developer\",1]"}, {"roles", "[[\"developer\"]]"}, {"roles", "null"},
            {"amr", "\"hwk\""}, {"acr", "3"}, {"auth_time", "\"" + now + "\""}, {"auth_time", now + ".25"},
            {"cnf", "\"thumbprint\""}, {"cnf", "{\"x5t#S256\":5}"}, {"act", "\"svc\""}, {"act", "{\"sub\":7}"},
            {"jti", "7"}, {"scope", "[\"chat\"]"}, {"client_id", "{}"},
        };
        long before = gw.upstreamRequests();
        for (String[] c : cases) {
            int mark = gw.auditMark();
            HttpResponse<String> r = chatAs(acmeIdp.signJson(json(with(good, c[0], c[1]))));
            assertThat(r.statusCode()).as("%s: %s", c[0], c[1]).isEqualTo(401);
            assertThat(r.body()).contains("\"code\":\"unauthenticated\"");
            assertThat(gw.assertOneNewDeny(mark, "unauthenticated").reason()).as("%s: %s", c[0], c[1])
                    .endsWith("token_claim_type:" + c[0]);
        }
        assertThat(gw.upstreamRequests()).as("none forwarded").isEqualTo(before);
        // a tenant's mapped tenant claim is a string, never a list holding it
        String listed = globexIdp.signJson(json(with(with(with(with(good, "iss", "\"" + globexIdp.issuer() + "\""),
                "org", "[\"globex\"]"), "sub", "\"bob\""), "roles", "[\"developer\"]")));
        int mark = gw.auditMark();
        assertThat(chatAs(listed).statusCode()).isEqualTo(401);
        assertThat(gw.assertOneNewDeny(mark, "unauthenticated").reason()).endsWith("token_claim_type:org");
    }

    @Test
    void aDiscoveryDocumentOrKeySetWithAMistypedMemberIsNeverUsed() throws Exception {
        try (TestIdp idp = new TestIdp()) {
            setAuth("initech", """
                    {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"discovery":true}}""".formatted(idp.issuer()));
            String token = idp.sign(idp.claims("ian", "warden").claim("roles", List.of("developer")).build());
            String key = idp.currentKey().toPublicJWK().toJSONString();
            String[] documents = {
                "{\"issuer\":[\"" + idp.issuer() + "\"],\"jwks_uri\":\"" + idp.jwksUrl() + "\"}", // a list holding the issuer
                "{\"issuer\":\"" + idp.issuer() + "\",\"jwks_uri\":{\"href\":\"" + idp.jwksUrl() + "\"}}",
                "{\"issuer\":\"" + idp.issuer() + "\",\"jwks_uri\":null}",
            };
            for (String doc : documents) {
                idp.discoveryOverride = doc;
                refusedAndAudited(token, doc);
            }
            idp.discoveryOverride = null;
            String[] keySets = {
                "{\"keys\":[" + key.replaceFirst("\"kid\":\"[^\"]*\"", "\"kid\":5") + "]}", // the kid a number
                "{\"keys\":[" + key.replaceFirst("\"kty\":\"RSA\"", "\"kty\":[\"RSA\"]") + "]}",
                "{\"keys\":" + key + "}", // one key where a list is meant
            };
            for (String set : keySets) {
                idp.jwksOverride = set;
                refusedAndAudited(token, set);
            }
            idp.jwksOverride = null;
            assertThat(chatAs(token).statusCode()).as("the same token once the provider's documents are well typed").isEqualTo(200);
        }
    }

    /** {@code token} is refused with the generic 401, audited ({@code what}: the case, for the message). */
    private void refusedAndAudited(String token, String what) throws Exception {
        HttpResponse<String> r = chatAs(token);
        assertThat(r.statusCode()).as(what).isEqualTo(401);
        gw.assertAudited(r);
    }

    private static Map<String, String> with(Map<String, String> claims, String name, String rawJson) {
        Map<String, String> m = new LinkedHashMap<>(claims);
        m.put(name, rawJson);
        return m;
    }

    private static String json(Map<String, String> claims) {
        StringBuilder b = new StringBuilder("{");
        claims.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return b.append('}').toString();
    }

    @Test
    void everyBadTokenIsOneGenericAudited401() throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet good = acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build();
        List<String> bad = List.of(
                new PlainJWT(good).serialize(),                                                    // alg none
                hs256(good, acmeIdp.currentKey().toPublicJWK().toRSAPublicKey().getEncoded()),       // HMAC keyed with the public key
                TestIdp.sign(new RSAKeyGenerator(2048).keyID(acmeIdp.currentKey().getKeyID()).generate(), good), // same kid, other key
                acmeIdp.sign(new JWTClaimsSet.Builder(good).audience("someone-else").build()),
                acmeIdp.sign(new JWTClaimsSet.Builder(good).expirationTime(new Date(now - 120_000)).build()),
                acmeIdp.sign(new JWTClaimsSet.Builder(good).expirationTime(new Date(now + 86_400_000L)).build()), // lifetime
                acmeIdp.sign(new JWTClaimsSet.Builder(good).subject(null).build()),
                acmeIdp.sign(new JWTClaimsSet.Builder(good).notBeforeTime(new Date(now + 600_000)).build()),
                acmeIdp.sign(new JWTClaimsSet.Builder(good).issuer("https://unknown.example").build()),
                "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.AAAA");
        long before = gw.upstreamRequests();
        for (String token : bad) {
            HttpResponse<String> r = chatAs(token);
            assertThat(r.statusCode()).as(token).isEqualTo(401);
            assertThat(r.body()).contains("\"code\":\"unauthenticated\"").doesNotContain("acme").doesNotContain("nimbus");
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"warden\", error=\"invalid_token\"");
            gw.assertAudited(r);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        assertThat(chatAs(acmeIdp.sign(good)).statusCode()).isEqualTo(200);
    }

    private static String hs256(JWTClaimsSet claims, byte[] secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).build(), claims);
        jwt.sign(new MACSigner(Arrays.copyOf(secret, Math.max(32, secret.length))));
        return jwt.serialize();
    }

    @Test
    void aKeyRotationAtTheProviderIsPickedUpAndMadeUpKidsCannotFloodIt() throws Exception {
        String first = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build());
        assertThat(chatAs(first).statusCode()).isEqualTo(200);
        assertThat(chatAs(first).statusCode()).isEqualTo(200);
        int fetches = acmeIdp.jwksFetches.get();
        assertThat(fetches).isBetween(1, 2); // one per event loop at most

        acmeIdp.rotate();
        String rotated = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build());
        for (int i = 0; i < 4; i++) {
            assertThat(chatAs(rotated).statusCode()).isEqualTo(200);
        }
        assertThat(chatAs(first).statusCode()).as("the old key is still published").isEqualTo(200);
        int afterRotation = acmeIdp.jwksFetches.get();
        assertThat(afterRotation - fetches).as("the rotation is followed with one fetch for the whole process").isEqualTo(1);

        for (int i = 0; i < 20; i++) {
            String madeUp = TestIdp.sign(new RSAKeyGenerator(2048).keyID("nope" + i).generate(),
                    acmeIdp.claims("eve", "warden").claim("roles", List.of("developer")).build());
            assertThat(chatAs(madeUp).statusCode()).isEqualTo(401);
        }
        assertThat(acmeIdp.jwksFetches.get()).as("20 made-up kids within the cool-down: no fetch at all (B15)")
                .isEqualTo(afterRotation);
        // and another tenant's provider is unaffected by acme's cool-down
        String globex = globexIdp.sign(globexIdp.claims("bob", "warden").claim("org", "globex").claim("roles", List.of("developer")).build());
        assertThat(chatAs(globex).statusCode()).isEqualTo(200);
    }

    @Test
    void rolesComeFromTheClaimOrTheTenantsBindings() throws Exception {
        String noRole = acmeIdp.sign(acmeIdp.claims("carol", "warden").build());
        HttpResponse<String> refused = chatAs(noRole);
        assertThat(refused.statusCode()).isEqualTo(403);
        gw.assertAudited(refused);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"), "{\"subject\":\"carol\",\"role\":\"viewer\"}",
                "Authorization", admin).statusCode()).isEqualTo(201);
        assertThat(chatAs(noRole).statusCode()).as("a viewer may not call models").isEqualTo(403);
        assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(noRole)).statusCode()).isEqualTo(200);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"), "{\"subject\":\"carol\",\"role\":\"developer\"}",
                "Authorization", admin).statusCode()).isEqualTo(201);
        assertThat(chatAs(noRole).statusCode()).isEqualTo(200);
        // a binding in acme means nothing for a token of globex's provider with the same subject
        String globexCarol = globexIdp.sign(globexIdp.claims("carol", "warden").claim("org", "globex").build());
        assertThat(chatAs(globexCarol).statusCode()).isEqualTo(403);
    }

    @Test
    void mfaRulesAskForAStepUpThatKeysCanNeverGive() throws Exception {
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"discovery":true},
                 "mfa":{"rules":[{"operations":["models"],"amr":["hwk"],"acr":"urn:acme:loa:3","maxAgeSeconds":600}]}}"""
                .formatted(acmeIdp.issuer()));
        long nowSec = System.currentTimeMillis() / 1000;
        String password = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).claim("amr", List.of("pwd"))
                .claim("acr", "urn:acme:loa:3").claim("auth_time", nowSec).build());
        HttpResponse<String> stepUp = chatAs(password);
        assertThat(stepUp.statusCode()).isEqualTo(401);
        assertThat(stepUp.body()).contains("\"code\":\"insufficient_user_authentication\"");
        assertThat(stepUp.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_user_authentication\"").contains("acr_values=\"urn:acme:loa:3\"").contains("max_age=600");
        gw.assertAudited(stepUp);

        String stale = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).claim("amr", List.of("hwk"))
                .claim("acr", "urn:acme:loa:3").claim("auth_time", nowSec - 3600).build());
        assertThat(chatAs(stale).statusCode()).isEqualTo(401);
        String hardware = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).claim("amr", List.of("hwk", "pwd"))
                .claim("acr", "urn:acme:loa:3").claim("auth_time", nowSec).build());
        assertThat(chatAs(hardware).statusCode()).isEqualTo(200);

        HttpResponse<String> key = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")));
        assertThat(key.statusCode()).as("an API key never satisfies a human MFA rule").isEqualTo(401);
        assertThat(key.body()).contains("insufficient_user_authentication");
        assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(gw.key("acme"))).statusCode())
                .as("listing models is not covered by the rule").isEqualTo(200);
    }

    @Test
    void aTenantMayTurnApiKeysOff() throws Exception {
        setAuth("acme", """
                {"schemes":["jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"discovery":true}}""".formatted(acmeIdp.issuer()));
        HttpResponse<String> key = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")));
        assertThat(key.statusCode()).isEqualTo(401);
        gw.assertAudited(key);
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void theOpenAiSdkWorksWithATokenAsItsApiKey() throws Exception {
        String token = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build());
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1"))
                .apiKey(token).maxRetries(0).timeout(Duration.ofSeconds(10)).build();
        var completion = client.chat().completions().create(com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
                .model("gpt-sim").addUserMessage("one two three").maxCompletionTokens(5).build());
        assertThat(completion.choices().get(0).message().content()).isPresent();
        assertThat(upstreamTenant()).isEqualTo("acme");
    }

    @Test
    void ellipticCurveKeysWorkAndAnAllZeroSignatureDoesNot() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256)
                .keyID("ec1").generate();
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"algorithms":["ES256"],"jwks":{"keys":[%s]}}}"""
                .formatted(acmeIdp.issuer(), ec.toPublicJWK().toJSONString()));
        JWTClaimsSet claims = acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec1")
                .type(new JOSEObjectType("at+jwt")).build(), claims);
        jwt.sign(new ECDSASigner(ec));
        assertThat(chatAs(jwt.serialize()).statusCode()).isEqualTo(200);
        // ATTACKS B03 (CVE-2022-21449): r = s = 0, as DER and as the raw 64 zero bytes of a JWS
        String[] parts = jwt.serialize().split("\\.");
        for (String sig : List.of("MAYCAQACAQA", Base64URL.encode(new byte[64]).toString())) {
            HttpResponse<String> r = chatAs(parts[0] + "." + parts[1] + "." + sig);
            assertThat(r.statusCode()).isEqualTo(401);
            gw.assertAudited(r);
        }
        // the RSA key of the provider is no longer trusted for acme: each key with its one algorithm
        assertThat(chatAs(acmeIdp.sign(claims)).statusCode()).isEqualTo(401);
    }

    @Test
    void ed25519KeysWorkUnderEitherNameAndOnlyWhenAllowed() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519,
                Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length))).keyID("ed1").build();
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"algorithms":["EdDSA","Ed25519"],"jwks":{"keys":[%s]}}}"""
                .formatted(acmeIdp.issuer(), jwk.toJSONString()));
        JWTClaimsSet claims = acmeIdp.claims("alice", "warden").claim("roles", List.of("developer")).build();
        BiFunction<String, String, String> signed = (alg, kid) -> {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(new JWSAlgorithm(alg)).keyID(kid)
                    .type(new JOSEObjectType("at+jwt")).build(), claims);
            try {
                jwt.sign(Ed25519Jws.signer(pair.getPrivate()));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
            return jwt.serialize();
        };
        assertThat(chatAs(signed.apply("EdDSA", "ed1")).statusCode()).isEqualTo(200);
        assertThat(chatAs(signed.apply("Ed25519", "ed1")).statusCode()).as("RFC 9864's name").isEqualTo(200);
        assertThat(chatAs(signed.apply("EdDSA", "other")).statusCode()).as("unknown kid").isEqualTo(401);
        String token = signed.apply("EdDSA", "ed1");
        String[] parts = token.split("\\.");
        HttpResponse<String> forged = chatAs(parts[0] + "." + parts[1] + "." + Base64URL.encode(new byte[64]));
        assertThat(forged.statusCode()).isEqualTo(401);
        gw.assertAudited(forged);
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"algorithms":["ES256"],"jwks":{"keys":[%s]}}}"""
                .formatted(acmeIdp.issuer(), jwk.toJSONString()));
        assertThat(chatAs(token).statusCode()).as("EdDSA not among the tenant's algorithms").isEqualTo(401);
    }

    @Test
    void aTenantsOwnIdpSignsInItsAdminsToTheAdminApiAndNeverGrantsMore() throws Exception {
        String alice = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("tenant-admin")).build());
        HttpResponse<String> keys = Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(alice));
        assertThat(keys.statusCode()).as(keys.body()).isEqualTo(200);
        assertThat(Http.get(gw.adminUrl("/admin/v1/whoami"), "Authorization", bearer(alice)).body()).contains("idp:acme:alice");
        // another tenant looks absent; platform routes are refused
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/globex/keys"), "Authorization", bearer(alice)).statusCode()).isEqualTo(404);
        assertThat(Http.get(gw.adminUrl("/admin/v1/operators"), "Authorization", bearer(alice)).statusCode()).isEqualTo(403);

        // a tenant's IdP can never grant a platform role, nor admin to a developer
        String claimsPlatform = acmeIdp.sign(acmeIdp.claims("mallory", "warden").claim("roles", List.of("platform-admin")).build());
        String developer = acmeIdp.sign(acmeIdp.claims("dave", "warden").claim("roles", List.of("developer")).build());
        for (String t : List.of(claimsPlatform, developer)) {
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants"), "Authorization", bearer(t)).statusCode()).isEqualTo(403);
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(t)).statusCode()).isEqualTo(403);
        }
        // a token of globex's IdP claiming acme's issuer verifies with nobody's keys
        String forged = TestIdp.sign(globexIdp.currentKey(), acmeIdp.claims("alice", "warden").claim("roles", List.of("tenant-admin")).build());
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(forged)).statusCode()).isEqualTo(401);

        // a role binding makes a subject the tenant's admin without any claim
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"), "{\"subject\":\"bob\",\"role\":\"tenant-admin\"}",
                "Authorization", admin).statusCode()).isEqualTo(201);
        Thread.sleep(300);
        String bob = acmeIdp.sign(acmeIdp.claims("bob", "warden").build());
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(bob)).statusCode()).isEqualTo(200);

        // the tenant's MFA rule for key management: met by its own IdP's hardware-key sign-in only
        setAuth("acme", """
                {"schemes":["api-key","jwt"],"jwt":{"issuer":"%s","audiences":["warden"],"discovery":true},
                 "mfa":{"rules":[{"operations":["keys"],"amr":["hwk"]}]}}""".formatted(acmeIdp.issuer()));
        Thread.sleep(300);
        HttpResponse<String> noMfa = Http.post(gw.adminUrl("/admin/v1/tenants/acme/keys"), "{}", "Authorization", bearer(alice));
        assertThat(noMfa.statusCode()).isEqualTo(401);
        assertThat(noMfa.headers().firstValue("WWW-Authenticate").orElse("")).contains("insufficient_user_authentication");
        String aliceHwk = acmeIdp.sign(acmeIdp.claims("alice", "warden").claim("roles", List.of("tenant-admin"))
                .claim("amr", List.of("hwk", "pwd")).claim("auth_time", System.currentTimeMillis() / 1000).build());
        HttpResponse<String> withMfa = Http.post(gw.adminUrl("/admin/v1/tenants/acme/keys"), "{}", "Authorization", bearer(aliceHwk));
        assertThat(withMfa.statusCode()).as(withMfa.body()).isEqualTo(201);
    }

    @Test
    void aTenantsMfaRuleForKeyAndConfigChangesBindsItsOwnAdmins() throws Exception {
        HttpResponse<String> issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", admin);
        String tenantAdminKey = bearer(new ObjectMapper().readTree(issued.body()).path("key").asText());
        setAuth("acme", """
                {"schemes":["api-key"],"mfa":{"rules":[{"operations":["keys","config"],"amr":["hwk"]}]}}""");
        int mark = gw.auditMark();
        HttpResponse<String> keys = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{}", "Authorization", tenantAdminKey);
        assertThat(keys.statusCode()).isEqualTo(401);
        assertThat(keys.body()).contains("insufficient_user_authentication");
        assertThat(keys.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"insufficient_user_authentication\"");
        gw.assertOneNewDeny(mark, "insufficient_user_authentication");
        assertThat(Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/logging"), "{\"payloads\":true}",
                "Authorization", tenantAdminKey).statusCode()).isEqualTo(401);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"), "{\"subject\":\"x\",\"role\":\"developer\"}",
                "Authorization", tenantAdminKey).statusCode()).isEqualTo(401);
        // reading is not a change; and the platform's own admins are not the tenant's to govern
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", tenantAdminKey).statusCode()).isEqualTo(200);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{}", "Authorization", admin).statusCode()).isEqualTo(201);
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage"), "Authorization", tenantAdminKey).statusCode())
                .as("usage is not among the rule's classes").isEqualTo(200);

        // the class usage covers the tenant's usage, spend and alerts
        setAuth("acme", """
                {"schemes":["api-key"],"mfa":{"rules":[{"operations":["usage"],"amr":["hwk"]}]}}""");
        for (String view : List.of("usage", "spend", "alerts")) {
            HttpResponse<String> r = Http.get(gw.adminUrl("/admin/v1/tenants/acme/" + view), "Authorization", tenantAdminKey);
            assertThat(r.statusCode()).as(view).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("insufficient_user_authentication");
        }
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage"), "Authorization", admin).statusCode())
                .as("the platform's admins are not the tenant's to govern").isEqualTo(200);
    }

    @Test
    void a01a02AnotherTenantsPathOrHeaderLooksLikeAnUnknownTenant() throws Exception {
        String globex = globexIdp.sign(globexIdp.claims("bob", "warden").claim("org", "globex").claim("roles", List.of("developer")).build());
        HttpResponse<String> other = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), "{}", "Authorization", bearer(globex));
        HttpResponse<String> unknown = Http.post(gw.dataUrl("/api/v1/tenants/nosuchtenant/models/scorer/predict"), "{}",
                "Authorization", bearer(globex));
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(other.body()).isEqualTo(unknown.body());
        gw.assertAudited(other);
        assertThat(gw.auditRecords().stream().filter(r -> other.headers().firstValue("X-Request-ID").orElseThrow()
                .equals(r.event().requestId())).findFirst().orElseThrow().event().reason()).isEqualTo("unauthenticated:tenant_mismatch");
        // two X-Tenant-ID lines, or a list: refused before any token is looked at
        HttpResponse<String> twice = chatAs(globex, "X-Tenant-ID", "globex", "X-Tenant-ID", "acme");
        assertThat(twice.statusCode()).isEqualTo(400);
        gw.assertAudited(twice);
        HttpResponse<String> list = chatAs(globex, "X-Tenant-ID", "globex, acme");
        assertThat(list.statusCode()).isEqualTo(400);
        gw.assertAudited(list);
    }
}
