package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admin roles: a tenant admin sees only its tenant (ATTACKS A05, A06); other key roles are refused. */
class AdminRolesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private String tenantAdmin;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
        HttpResponse<String> issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", bearer(gw.adminToken));
        assertThat(issued.statusCode()).isEqualTo(201);
        tenantAdmin = bearer(JSON.readTree(issued.body()).path("key").asText());
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> as(String auth, String method, String path, String body, String... extra) {
        String[] headers = Http.authorized(auth, extra);
        return Http.call(method, gw.adminUrl(path), body, headers);
    }

    @Test
    void aTenantAdminManagesItsOwnTenantOnly() throws Exception {
        assertThat(as(tenantAdmin, "GET", "/admin/v1/tenants/acme/keys", null).statusCode()).isEqualTo(200);
        HttpResponse<String> issued = as(tenantAdmin, "POST", "/admin/v1/tenants/acme/keys", "{\"models\":[\"echo\"]}");
        assertThat(issued.statusCode()).isEqualTo(201);
        assertThat(as(tenantAdmin, "GET", "/admin/v1/tenants/acme/usage", null).statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(as(tenantAdmin, "GET", "/admin/v1/tenants", null).body()).path("tenants").findValuesAsText("id"))
                .containsExactly("acme");

        // another tenant looks exactly like a tenant that does not exist (and each probe is audited alike)
        int mark = gw.auditMark();
        HttpResponse<String> other = as(tenantAdmin, "GET", "/admin/v1/tenants/globex/keys", null);
        gw.assertOneNewDeny(mark, "not_found");
        mark = gw.auditMark();
        HttpResponse<String> none = as(tenantAdmin, "GET", "/admin/v1/tenants/nobody/keys", null);
        gw.assertOneNewDeny(mark, "not_found");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).isEqualTo(none.body());
        for (String path : new String[] {"/admin/v1/tenants/globex", "/admin/v1/tenants/globex/usage",
                "/admin/v1/tenants/globex/settings", "/admin/v1/tenants/globex/spend", "/admin/v1/tenants/globex/role-bindings"}) {
            mark = gw.auditMark();
            assertThat(as(tenantAdmin, "GET", path, null).statusCode()).as(path).isEqualTo(404);
            gw.assertOneNewDeny(mark, "not_found");
        }
        mark = gw.auditMark();
        assertThat(as(tenantAdmin, "POST", "/admin/v1/tenants/globex/keys", "{}").statusCode()).isEqualTo(404);
        gw.assertOneNewDeny(mark, "not_found");

        // platform-level actions are refused, each with one audit event
        String[][] platformOnly = {
                {"POST", "/admin/v1/tenants", "{\"id\":\"x\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"echo\"]}"},
                {"PATCH", "/admin/v1/tenants/acme", "{\"tier\":\"gold\"}"},
                {"POST", "/admin/v1/tenants/acme/suspend", null},
                {"GET", "/admin/v1/config/status", null},
                {"PUT", "/admin/v1/tenants/acme/settings/overrides", "{\"requestsPerMinute\":1}"},
                {"GET", "/admin/v1/operators", null},
                {"POST", "/admin/v1/role-bindings", "{\"subject\":\"me\",\"role\":\"platform-admin\"}"}};
        for (String[] call : platformOnly) {
            mark = gw.auditMark();
            assertThat(as(tenantAdmin, call[0], call[1], call[2]).statusCode()).as(call[1]).isEqualTo(403);
            gw.assertOneNewDeny(mark, "forbidden");
        }
    }

    @Test
    void otherKeyRolesAreRefusedAndMethodOverridesAreIgnored() throws Exception {
        int mark = gw.auditMark();
        assertThat(as(bearer(gw.key("acme")), "GET", "/admin/v1/tenants/acme/keys", null).statusCode()).isEqualTo(403);
        gw.assertOneNewDeny(mark, "forbidden");
        mark = gw.auditMark();
        assertThat(as(bearer(gw.key("acme-viewer")), "DELETE", "/admin/v1/tenants/acme/keys/x", null).statusCode()).isEqualTo(403);
        gw.assertOneNewDeny(mark, "forbidden");
        // a GET with an override header stays a GET: nothing is revoked
        String keyId = JSON.readTree(as(tenantAdmin, "GET", "/admin/v1/tenants/acme/keys", null).body())
                .path("keys").findValuesAsText("keyId").get(0);
        HttpResponse<String> overridden = as(tenantAdmin, "GET", "/admin/v1/tenants/acme/keys", null,
                "X-HTTP-Method-Override", "DELETE", "X-Method-Override", "DELETE");
        assertThat(overridden.statusCode()).isEqualTo(200);
        assertThat(overridden.body()).contains(keyId);
        assertThat(JSON.readTree(as(tenantAdmin, "GET", "/admin/v1/tenants/acme/keys", null).body()).toString())
                .doesNotContain("\"revoked\":true");
    }

    @Test
    void a06AViewerGets403OnEveryAdminMethodAndOverridesChangeNothing() throws Exception {
        String viewer = bearer(gw.key("acme-viewer"));
        for (String method : List.of("GET", "POST", "DELETE", "PATCH", "PUT", "HEAD", "OPTIONS")) {
            int mark = gw.auditMark();
            HttpResponse<String> r = as(viewer, method, "/admin/v1/tenants/acme/keys", method.equals("POST") ? "{}" : null,
                    "X-HTTP-Method-Override", "GET");
            assertThat(r.statusCode()).as(method).isEqualTo(403);
            gw.assertOneNewDeny(mark, "forbidden");
        }
        // a tenant token with the viewer role is no admin credential at all
        assertThat(as(bearer("eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJ2aWV3ZXIiXX0.c2ln"), "GET", "/admin/v1/tenants/acme/keys", null)
                .statusCode()).isEqualTo(401);
    }
}
