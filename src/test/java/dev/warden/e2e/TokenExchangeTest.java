package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.warden.app.Gateway;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.token.ServiceTokenVerifier;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 8693 token exchange: the tenant never changes, roles only shrink, act records the chain. */
class TokenExchangeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "retriever-secret-0123456789";
    private static final String RANKER_SECRET = "ranker-secret-0123456789";
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("  main:\n    upstreams:", "  main:\n    serviceTokens: true\n    upstreams:"),
                Databases.fresh(Databases.Kind.SQLITE));
        // the clients' secrets are hashed with this deployment's key-hashing secret: add them once it exists
        long version = gw.gateway.snapshots().current().version();
        Files.writeString(gw.configFile, gw.yaml().replace("  main:\n    upstreams:", "  main:\n    serviceTokens: true\n    upstreams:") + """

                exchange:
                  clients:
                    retriever: { secretHash: "%s", from: [main], to: [us-pool] }
                    ranker: { secretHash: "%s", from: [us-pool], to: [main] }
                """.formatted(gw.hashText(SECRET), gw.hashText(RANKER_SECRET)));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (gw.gateway.snapshots().current().version() == version && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(gw.gateway.snapshots().current().config().exchangeClients()).containsKey("retriever");
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private String serviceToken() {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")));
        assertThat(r.statusCode()).isEqualTo(200);
        var sim = "us".equals(r.headers().firstValue("X-Upstream-Region").orElse("")) ? gw.us : gw.eu;
        return sim.lastHeaders().get("Authorization").substring(7);
    }

    private HttpResponse<String> exchange(String client, String secret, Map<String, String> params) {
        StringBuilder form = new StringBuilder();
        params.forEach((k, v) -> form.append(form.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        String basic = "Basic " + Base64.getEncoder().encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return Http.call("POST", gw.dataUrl("/oauth2/token"), form.toString(), "Authorization", basic,
                "Content-Type", "application/x-www-form-urlencoded");
    }

    private static Map<String, String> params(String token, String audience, String scope) {
        var m = new LinkedHashMap<String, String>();
        m.put("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
        m.put("subject_token", token);
        m.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
        m.put("audience", audience);
        if (scope != null) {
            m.put("scope", scope);
        }
        m.put("tenant", "globex"); // not a parameter of the exchange: ignored, the tenant never changes
        return m;
    }

    @Test
    void aServiceExchangesATokenForANarrowerOneOfTheSameTenant() throws Exception {
        String subject = serviceToken();
        HttpResponse<String> r = exchange("retriever", SECRET, params(subject, "us-pool", "developer"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("issued_token_type").asText()).isEqualTo("urn:ietf:params:oauth:token-type:jwt");
        assertThat(body.path("token_type").asText()).isEqualTo("Bearer");
        JWTClaimsSet next = ServiceTokenVerifier.verify(body.path("access_token").asText(), gw.gateway.serviceTokens().publicKeys(),
                Gateway.SERVICE_TOKEN_ISSUER, "us-pool");
        assertThat(next).isNotNull();
        JWTClaimsSet first = ServiceTokenVerifier.verify(subject, gw.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "main");
        assertThat(next.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(next.getSubject()).isEqualTo(first.getSubject());
        assertThat(next.getStringListClaim("roles")).containsExactly("developer");
        assertThat(next.getExpirationTime()).isBeforeOrEqualTo(first.getExpirationTime());
        assertThat(next.getJSONObjectClaim("act")).containsEntry("sub", "client:retriever");

        // the next hop exchanges again: the chain of actors is kept
        HttpResponse<String> second = exchange("ranker", RANKER_SECRET, params(body.path("access_token").asText(), "main", null));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        JWTClaimsSet third = ServiceTokenVerifier.verify(JSON.readTree(second.body()).path("access_token").asText(),
                gw.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "main");
        assertThat(third.getJSONObjectClaim("act")).containsEntry("sub", "client:ranker");
        assertThat(((Map<?, ?>) third.getJSONObjectClaim("act").get("act")).get("sub")).isEqualTo("client:retriever");
        assertThat(third.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(gw.auditRecords().stream().filter(e -> e.event().action().equals("token.exchange")
                && e.event().decision().equals("allow"))).hasSize(2);
    }

    @Test
    void everyOtherExchangeIsRefusedAndAudited() throws Exception {
        String subject = serviceToken();
        record Case(String client, String secret, Map<String, String> params, int status, String error) {
        }
        for (Case c : List.of(
                new Case("retriever", "wrong", params(subject, "us-pool", null), 401, "invalid_client"),
                new Case("nobody", SECRET, params(subject, "us-pool", null), 401, "invalid_client"),
                new Case("retriever", SECRET, params(subject, "us-pool", "developer tenant-admin"), 400, "invalid_scope"),
                new Case("retriever", SECRET, params(subject, "main", null), 400, "invalid_target"),
                new Case("ranker", RANKER_SECRET, params(subject, "main", null), 400, "invalid_grant"),
                new Case("retriever", SECRET, params(subject + "x", "us-pool", null), 400, "invalid_grant"),
                new Case("retriever", SECRET, Map.of("grant_type", "client_credentials"), 400, "unsupported_grant_type"))) {
            int mark = gw.auditMark();
            HttpResponse<String> r = exchange(c.client(), c.secret(), c.params());
            assertThat(r.statusCode()).as(c.toString()).isEqualTo(c.status());
            assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo(c.error());
            gw.assertOneNewDeny(mark, c.error());
        }
        // a token is never a client credential here
        HttpResponse<String> bearerClient = Http.call("POST", gw.dataUrl("/oauth2/token"), "grant_type=x", "Authorization", bearer(subject),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(bearerClient.statusCode()).isEqualTo(401);
        assertThat(bearerClient.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"warden-token\"");
        assertThat(Http.get(gw.dataUrl("/oauth2/token")).statusCode()).isEqualTo(405);
    }
}
