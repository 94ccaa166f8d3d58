package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.app.Gateway;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.token.ServiceTokenVerifier;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Service tokens: a pool with {@code serviceTokens: true} gets, on every forwarded request, an
 * EdDSA token signed by Warden naming the verified tenant, subject, role and region (never the
 * client's credential); upstreams verify it with Warden's JWKS; keys rotate without an unknown kid.
 */
class ServiceTokenTest {
    private TestGateway gw;
    private Supplier<JWKSet> jwks;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("  main:\n    upstreams:", "  main:\n    serviceTokens: true\n    upstreams:"));
        // The published JWKS, read over HTTP from the test thread (the sims run on the gateway's own
        // event loops and must not block them: they read the same keys from the signer).
        jwks = () -> {
            try {
                return JWKSet.parse(Http.get(gw.adminUrl("/.well-known/jwks.json")).body());
            } catch (ParseException e) {
                throw new IllegalStateException(e);
            }
        };
        gw.eu.requireServiceTokens(() -> gw.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "main");
        gw.us.requireServiceTokens(() -> gw.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "main");
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    /** The service token the upstream that served {@code r} received. */
    private String tokenOf(HttpResponse<String> r) {
        var sim = "us".equals(r.headers().firstValue("X-Upstream-Region").orElse("")) ? gw.us : gw.eu;
        return sim.lastHeaders().get("Authorization").substring(7);
    }

    private HttpResponse<String> chatAs(String tenant, String model) {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat(model, "hi"), "Authorization", bearer(gw.key(tenant)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    @Test
    void everyForwardedRequestCarriesAVerifiableTokenOfItsVerifiedPrincipal() throws Exception {
        String token = tokenOf(chatAs("acme", "gpt-sim"));
        assertThat(token).doesNotContain(gw.key("acme"));
        assertThat(ServiceTokenVerifier.verify(token, jwks.get(), "warden", "main"))
                .as("verifies with the JWKS published at /.well-known/jwks.json").isNotNull();
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("warden-service+jwt");
        JWTClaimsSet c = jwt.getJWTClaimsSet();
        assertThat(c.getIssuer()).isEqualTo("warden");
        assertThat(c.getAudience()).containsExactly("main");
        assertThat(c.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(c.getStringListClaim("roles")).containsExactly("developer");
        assertThat(c.getStringClaim("region")).isIn("eu", "us");
        assertThat(c.getJWTID()).isNotBlank();
        assertThat(c.getExpirationTime().getTime() - c.getIssueTime().getTime()).isLessThanOrEqualTo(300_000);

        // reused for the same principal while fresh; another tenant gets its own
        String again = tokenOf(chatAs("acme", "gpt-sim"));
        assertThat(SignedJWT.parse(tokenOf(chatAs("globex", "gpt-sim"))).getJWTClaimsSet().getStringClaim("tenant")).isEqualTo("globex");
        if (SignedJWT.parse(again).getJWTClaimsSet().getStringClaim("region").equals(c.getStringClaim("region"))) {
            assertThat(again).isEqualTo(token);
        }
    }

    @Test
    void aRotatedKeyStaysPublishedForItsTokensAndAMintedTokenIsNoClientCredential() throws Exception {
        String before = tokenOf(chatAs("acme", "gpt-sim"));
        String oldKid = SignedJWT.parse(before).getHeader().getKeyID();
        gw.gateway.serviceTokens().rotateNow(System.currentTimeMillis());
        assertThat(jwks.get().getKeys()).extracting(k -> k.getKeyID()).contains(oldKid).hasSize(2);
        assertThat(SignedJWT.parse(tokenOf(chatAs("acme", "gpt-sim"))).getHeader().getKeyID()).isNotEqualTo(oldKid);
        assertThat(ServiceTokenVerifier.verify(before, jwks.get(), "warden", "main"))
                .as("a token of the previous key still verifies").isNotNull();
        // presented back to Warden as a credential, a service token is refused like any unknown one
        HttpResponse<String> back = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(before),
                "X-Tenant-ID", "acme");
        assertThat(back.statusCode()).isEqualTo(401);
        // a pool that does not ask for tokens gets none: the us sim requires them, us-pool sends none, and the
        // upstream's refusal is the gateway's failure (502), never the client's (whose key was good)
        HttpResponse<String> none = Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "hi"), "Authorization",
                bearer(gw.key("acme")));
        assertThat(none.statusCode()).isEqualTo(502);
        assertThat(none.body()).contains("\"code\":\"upstream_auth_failed\"");
    }

    @Test
    void aPerRequestPoolGetsAFreshTokenNamingEachRequest() throws Exception {
        try (TestGateway own = new TestGateway(yaml -> yaml.replace("  us-pool:\n    upstreams:",
                "  us-pool:\n    serviceTokens: per-request\n    upstreams:"))) {
            own.us.requireServiceTokens(() -> own.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "us-pool");
            Set<String> jtis = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = Http.post(own.dataUrl("/v1/chat/completions"), chat("us-only", "hi"), "Authorization",
                        bearer(own.key("acme")));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JWTClaimsSet c = own.us.lastServiceClaims();
                assertThat(c.getStringClaim("request_id")).isEqualTo(r.headers().firstValue("X-Request-ID").orElseThrow());
                assertThat(c.getStringClaim("tenant")).isEqualTo("acme");
                jtis.add(c.getJWTID());
            }
            assertThat(jtis).as("one token per request").hasSize(3);
        }
    }
}
