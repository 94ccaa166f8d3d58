package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.observe.SecurityLogFields;
import dev.warden.record.AuditRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestIdp;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ATTACKS H01, H03, H04, H05, H07: exposed admin surfaces, evaluated config, CORS/TRACE/inventory, log injection. */
class MisconfigurationAttacksTest {
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    @Test
    void h03AdminSurfacesAreNotOnThePublicListenerAndHaveNoDefaultCredential() throws Exception {
        for (String path : List.of("/admin/v1/tenants", "/metrics", "/healthz", "/readyz", "/admin", "/actuator", "/debug")) {
            HttpResponse<String> r = Http.get(gw.dataUrl(path), "Authorization", bearer(gw.adminToken));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            gw.assertAudited(r);
        }
        for (String guess : List.of("admin", "changeme", "password", "wda_", "")) {
            int mark = gw.auditMark();
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants"), "Authorization", bearer(guess)).statusCode()).isEqualTo(401);
            gw.assertOneNewDeny(mark, "unauthenticated");
        }
    }

    @Test
    void h01ATenantsIdentityProviderCannotPointAtInternalAddresses() throws Exception {
        for (String url : List.of("https://169.254.169.254/latest/meta-data/", "https://[::ffff:7f00:1]/jwks", "https://2130706433/jwks",
                "https://0x7f000001/jwks", "file:///etc/passwd", "gopher://127.0.0.1:9090/_x", "http://idp.example.com/jwks")) {
            String body = "{\"schemes\":[\"api-key\",\"jwt\"],\"jwt\":{\"issuer\":\"https://idp.example.com/\",\"audiences\":[\"warden\"],"
                    + "\"jwksUrl\":\"" + url + "\"}}";
            HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), body,
                    "Authorization", bearer(gw.adminToken));
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains("jwt.jwksUrl");
        }
    }

    private static String jwtAuth(String issuer, String jwksUrl) {
        return "{\"schemes\":[\"api-key\",\"jwt\"],\"jwt\":{\"issuer\":\"" + issuer + "\",\"audiences\":[\"warden\"],"
                + "\"jwksUrl\":\"" + jwksUrl + "\"}}";
    }

    @Test
    void h01ByDefaultATenantCanNameNeitherThisMachineNorAPrivateNetworkWhenWrittenOrWhenCalled() throws Exception {
        String storeUrl = Databases.fresh(Databases.Kind.SQLITE);
        try (TestIdp idp = new TestIdp()) {
            // Stored while the operator allowed loopback (a local test IdP)...
            gw.close();
            gw = new TestGateway(yaml -> yaml, storeUrl);
            HttpResponse<String> stored = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"),
                    jwtAuth(idp.issuer(), idp.jwksUrl()), "Authorization", bearer(gw.adminToken));
            assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
            gw.close();
            // ...then restarted on the default policy.
            gw = new TestGateway(yaml -> yaml.replace("egress: { allowLoopback: true }\n", ""), storeUrl);
            for (String url : List.of(idp.jwksUrl(), "http://localhost:" + URI.create(idp.jwksUrl()).getPort() + "/jwks",
                    "https://10.0.0.7/jwks", "https://192.168.1.1/jwks", "https://[fd00::7]/jwks")) {
                HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), jwtAuth(idp.issuer(), url),
                        "Authorization", bearer(gw.adminToken));
                assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(400);
                assertThat(r.body()).contains("jwt.jwksUrl").contains("egress");
            }
            // The stored setting still names loopback: the gateway refuses to call it, and the IdP never hears from it.
            String token = idp.sign(idp.claims("alice", "warden").claim("roles", List.of("developer")).build());
            int mark = gw.auditMark();
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), Http.authorized(bearer(token)));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            gw.assertOneNewDeny(mark, "unauthenticated:idp_egress_refused");
            assertThat(idp.jwksFetches.get()).isZero();
        }
    }

    @Test
    void h01EvenWithLoopbackOpenTheGatewaysOwnAdminPortCannotBeNamed() throws Exception {
        gw.close();
        int adminPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            adminPort = free.getLocalPort();
        }
        gw = new TestGateway(yaml -> yaml.replace("admin: { host: 127.0.0.1, port: 0 }", "admin: { host: 127.0.0.1, port: " + adminPort + " }"),
                Databases.fresh(Databases.Kind.SQLITE));
        assertThat(gw.adminUrl("/")).contains(":" + adminPort + "/");
        for (String url : List.of("http://127.0.0.1:" + adminPort + "/admin/v1/tenants", "http://localhost:" + adminPort + "/metrics")) {
            HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"),
                    jwtAuth("https://idp.example.com/", url), "Authorization", bearer(gw.adminToken));
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(400);
        }
        HttpResponse<String> ok = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"),
                jwtAuth("https://idp.example.com/", "http://127.0.0.1:" + (adminPort == 65535 ? 1 : adminPort + 1) + "/jwks"),
                "Authorization", bearer(gw.adminToken));
        assertThat(ok.statusCode()).as("another loopback port, loopback open: " + ok.body()).isEqualTo(200);
    }

    @Test
    void h04TenantEditableFieldsAreLiteralsNeverEvaluated() throws Exception {
        for (String hostile : List.of("${jndi:ldap://127.0.0.1:1/x}", "#{T(java.lang.Runtime).getRuntime()}", "${env:HOME}")) {
            int mark = gw.auditMark();
            HttpResponse<String> r = Http.call("POST", gw.adminUrl("/admin/v1/tenants"),
                    "{\"id\":\"delta\",\"tier\":\"" + hostile + "\",\"regions\":[\"eu\"],\"models\":[\"echo\"]}",
                    "Authorization", bearer(gw.adminToken));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("unknown tier").doesNotContain(System.getProperty("user.home"));
            assertThat(gw.assertOneNewDeny(mark, "invalid_request").detail()).doesNotContain("jndi");
        }
        assertThat(gw.store.tenants().all()).isEmpty();
    }

    @Test
    void h05NoCredentialedCorsNoTraceAndOnlyThePublishedRoutes() throws Exception {
        HttpResponse<String> cors = Http.call("OPTIONS", gw.dataUrl("/v1/chat/completions"), null,
                "Origin", "https://evil.example", "Access-Control-Request-Method", "POST");
        assertThat(cors.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(cors.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
        HttpResponse<String> served = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"),
                "Authorization", bearer(gw.key("acme")), "Origin", "https://evil.example");
        assertThat(served.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        gw.assertAudited(cors);
        HttpResponse<String> trace = Http.call("TRACE", gw.dataUrl("/v1/models"), null);
        assertThat(trace.statusCode()).isEqualTo(405);
        gw.assertAudited(trace);
        for (String path : List.of("/api/v0/tenants/acme/models/scorer/predict", "/v1beta/chat/completions", "/internal",
                "/v1/assistants", "/v1/fine_tuning/jobs")) {
            HttpResponse<String> r = Http.post(gw.dataUrl(path), "{}", "Authorization", bearer(gw.key("acme")));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            gw.assertAudited(r);
        }
    }

    @Test
    void h07HostileValuesCannotForgeLogOrAuditFieldsNorTriggerLookups() throws Exception {
        String evil = "x\r\n{\"decision\":\"allow\"}\u001b[31m${jndi:ldap://127.0.0.1:1/a}";
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                "Authorization", bearer("wdn_zzzzzzzzzzzz_" + "A".repeat(43)), "User-Agent", evil.replace("\r\n", " ").replace("\u001b", ""),
                "X-Anything", "${jndi:ldap://127.0.0.1:1/b}");
        assertThat(r.statusCode()).isEqualTo(401);
        String id = r.headers().firstValue("X-Request-ID").orElseThrow();
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<AuditRecord> events;
        do {
            Thread.sleep(20);
            events = gw.store.audit().all().stream().filter(e -> id.equals(e.event().requestId())).toList();
        } while (events.isEmpty() && System.nanoTime() < deadline);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).event().decision()).isEqualTo("deny");
        assertThat(events.get(0).event().toString()).doesNotContain("jndi").doesNotContain("allow");
        StringBuilder escaped = SecurityLogFields.escape(new StringBuilder(), "tenant", evil);
        assertThat(escaped.toString()).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u001b")
                .contains("\\u000d\\u000a").contains("\\\"decision\\\"").contains("\\u001b");
    }
}
