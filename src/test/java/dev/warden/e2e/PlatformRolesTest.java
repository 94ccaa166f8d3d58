package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.record.AuditRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Platform principals: operator keys with platform-admin (metadata and usage, never payloads:
 * ATTACKS A08) or platform-auditor (audit only); the audit log has no edit API (H08); each refusal
 * leaves exactly one audit event.
 */
class PlatformRolesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private String ops;
    private String auditor;
    private String auditorKeyId;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
        ops = bearer(issue("ops-oncall", "platform-admin").path("key").asText());
        JsonNode a = issue("external-auditor", "platform-auditor");
        auditor = bearer(a.path("key").asText());
        auditorKeyId = a.path("keyId").asText();
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private JsonNode issue(String name, String role) throws Exception {
        HttpResponse<String> r = Http.call("POST", gw.adminUrl("/admin/v1/operators"),
                "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}", "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> as(String auth, String method, String path, String body) {
        return Http.call(method, gw.adminUrl(path), body, "Authorization", auth);
    }

    /** Exactly one deny event with this reason and principal was added since {@code before}. */
    private void assertOneDeny(int before, String reason, String principal) throws Exception {
        List<AuditRecord> added = gw.auditRecords().subList(before, gw.auditRecords().size());
        assertThat(added).as("new audit events").filteredOn(r -> r.event().reason().equals(reason)).singleElement().satisfies(r -> {
            assertThat(r.event().decision()).isEqualTo("deny");
            assertThat(r.event().principal()).isEqualTo(principal);
            assertThat(r.event().source()).isEqualTo("127.0.0.1");
        });
    }

    @Test
    void aPlatformAdminSeesMetadataAndUsageButNeverPayloads() throws Exception {
        assertThat(JSON.readTree(as(ops, "GET", "/admin/v1/whoami", null).body()).path("kind").asText()).isEqualTo("platform-admin");
        assertThat(JSON.readTree(as(ops, "GET", "/admin/v1/tenants", null).body()).path("tenants").findValuesAsText("id"))
                .contains("acme", "globex", "initech", "frozen");
        assertThat(as(ops, "GET", "/admin/v1/tenants/globex", null).statusCode()).isEqualTo(200);
        assertThat(as(ops, "GET", "/admin/v1/tenants/globex/usage", null).statusCode()).isEqualTo(200);
        assertThat(as(ops, "GET", "/admin/v1/tenants/globex/settings", null).statusCode()).isEqualTo(200);

        String opsId = JSON.readTree(as(ops, "GET", "/admin/v1/whoami", null).body()).path("name").asText();
        for (String payload : List.of("payloads", "payloads/pl-0123456789abcdef0123456789abcdef")) {
            int before = gw.auditRecords().size();
            HttpResponse<String> r = as(ops, "GET", "/admin/v1/tenants/globex/" + payload, null);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("admin_payload_denied");
            assertOneDeny(before, "admin_payload_denied", opsId);
        }
        // An operator key is not a tenant credential: the data plane refuses it.
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", ops,
                "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(gw.upstreamRequests()).isZero();
    }

    @Test
    void anAuditorReadsTheAuditLogAndNothingElse() throws Exception {
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer("wdn_nokey_nosecret"));
        gw.auditRecords();
        HttpResponse<String> q = as(auditor, "GET", "/admin/v1/audit?decision=deny&limit=10", null);
        assertThat(q.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(q.body()).path("records")).isNotEmpty();
        JsonNode verify = JSON.readTree(as(auditor, "GET", "/admin/v1/audit/verify", null).body());
        assertThat(verify.path("intact").asBoolean()).isTrue();

        for (String[] call : new String[][] {{"GET", "/admin/v1/tenants"}, {"GET", "/admin/v1/tenants/acme/usage"},
                {"POST", "/admin/v1/operators"}, {"GET", "/admin/v1/alerts"}}) {
            int before = gw.auditRecords().size();
            assertThat(as(auditor, call[0], call[1], call[0].equals("POST") ? "{}" : null).statusCode()).as(call[1]).isEqualTo(403);
            assertOneDeny(before, "forbidden:auditor", auditorKeyId);
        }

        // Revoked: refused at once on this replica.
        assertThat(as(bearer(gw.adminToken), "DELETE", "/admin/v1/operators/" + auditorKeyId, null).statusCode()).isEqualTo(204);
        assertThat(as(auditor, "GET", "/admin/v1/audit", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theAuditLogHasNoEditApiForAnyone() throws Exception {
        String opsId = JSON.readTree(as(ops, "GET", "/admin/v1/whoami", null).body()).path("name").asText();
        for (String method : List.of("DELETE", "PUT", "POST", "PATCH")) {
            int before = gw.auditRecords().size();
            HttpResponse<String> r = as(ops, method, "/admin/v1/audit", method.equals("DELETE") ? null : "{}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("audit_immutable");
            assertOneDeny(before, "audit_immutable", opsId);
        }
        JsonNode verify = JSON.readTree(as(bearer(gw.adminToken), "GET", "/admin/v1/audit/verify", null).body());
        assertThat(verify.path("intact").asBoolean()).isTrue();
    }

    @Test
    void aTenantAdminQueriesOnlyItsOwnAuditEvents() throws Exception {
        HttpResponse<String> issued = as(bearer(gw.adminToken), "POST", "/admin/v1/tenants/acme/keys", "{\"role\":\"tenant-admin\"}");
        String tenantAdmin = bearer(JSON.readTree(issued.body()).path("key").asText());
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(gw.key("globex")));
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(gw.key("acme-viewer")));
        gw.auditRecords();

        JsonNode own = JSON.readTree(as(tenantAdmin, "GET", "/admin/v1/audit?limit=1000", null).body()).path("records");
        assertThat(own).isNotEmpty();
        assertThat(own.findValuesAsText("tenant")).containsOnly("acme");
        assertThat(as(tenantAdmin, "GET", "/admin/v1/audit?tenant=globex", null).statusCode()).isEqualTo(404);
        assertThat(as(tenantAdmin, "GET", "/admin/v1/audit/verify", null).statusCode()).isEqualTo(403);

        HttpResponse<String> export = as(tenantAdmin, "GET", "/admin/v1/audit/export", null);
        assertThat(export.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<String> lines = export.body().lines().toList();
        assertThat(lines).hasSize(own.size());
        long previous = 0;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertThat(n.path("tenant").asText()).isEqualTo("acme");
            assertThat(n.path("seq").asLong()).isGreaterThan(previous);
            previous = n.path("seq").asLong();
        }
        assertThat(as(tenantAdmin, "GET", "/admin/v1/audit?limit=0", null).statusCode()).isEqualTo(400);
        assertThat(as(tenantAdmin, "GET", "/admin/v1/audit?from=yesterday", null).statusCode()).isEqualTo(400);
    }
}
