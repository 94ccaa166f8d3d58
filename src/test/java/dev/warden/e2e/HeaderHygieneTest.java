package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.GatewayTestBase;
import dev.warden.testing.Http;
import dev.warden.testing.RawHttp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What crosses the gateway towards the upstream (seen through the sim's echo model). */
class HeaderHygieneTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode echo(String... headers) throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), headers);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(JSON.readTree(r.body()).at("/choices/0/message/content").textValue());
    }

    @Test
    void gatewayOwnedHeadersAreRebuiltAndCredentialsNeverForwarded() throws Exception {
        JsonNode seen = echo("Authorization", bearer(gw.key("acme")), "X-API-Key", gw.key("acme"),
                "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Host", "evil.example", "Forwarded", "for=6.6.6.6",
                "X-Real-IP", "6.6.6.6", "X-Warden-Principal", "root", "X-Warden-Region", "us",
                "X-Authenticated-User", "admin", "X-Gateway-Tenant", "globex", "X-Original-URL", "/admin",
                "X-Rewrite-URL", "/admin", "X-HTTP-Method-Override", "DELETE", "Cookie", "session=secret",
                "X-Request-ID", "client-chosen", "X-Custom", "kept");
        assertThat(seen.has("authorization")).isFalse();
        assertThat(seen.has("x-api-key")).isFalse();
        assertThat(seen.has("cookie")).isFalse();
        assertThat(seen.has("x-real-ip")).isFalse();
        assertThat(seen.has("x-forwarded-host")).isFalse();
        assertThat(seen.has("x-authenticated-user")).isFalse();
        assertThat(seen.has("x-gateway-tenant")).isFalse();
        assertThat(seen.has("x-original-url")).isFalse();
        assertThat(seen.has("x-rewrite-url")).isFalse();
        assertThat(seen.has("x-http-method-override")).isFalse();
        assertThat(seen.path("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
        assertThat(seen.path("forwarded").asText()).isEqualTo("for=\"127.0.0.1\";proto=http");
        assertThat(seen.path("x-warden-region").asText()).isIn("eu", "us");
        assertThat(seen.path("x-warden-principal").asText()).isNotEqualTo("root").isNotEmpty();
        assertThat(seen.path("x-request-id").asText()).isNotEqualTo("client-chosen").hasSize(32);
        assertThat(seen.path("x-tenant-id").asText()).isEqualTo("acme");
        assertThat(seen.path("x-custom").asText()).isEqualTo("kept");
        assertThat(gw.key("acme")).isNotIn(seen.toString());
    }

    @Test
    void headersNamedInConnectionAndHopByHopHeadersAreDropped() {
        String body = chat("echo", "hi");
        String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.key("acme") + "\r\n"
                + "Content-Type: application/json\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        RawHttp.Answer a = RawHttp.send(gw.gateway.dataPort(), request);
        assertThat(a.status()).isEqualTo(200);
        String lower = a.text().toLowerCase();
        assertThat(lower).doesNotContain("x-secret-hop").doesNotContain("keep-alive\\\":").doesNotContain("proxy-authorization")
                .doesNotContain("\\\"te\\\"");
    }

    @Test
    void upstreamTenantEchoIsReplacedByTheVerifiedTenant() {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                "Authorization", bearer(gw.key("acme")));
        assertThat(r.headers().allValues("X-Tenant-ID")).containsExactly("acme");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    }
}
