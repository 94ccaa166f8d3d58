package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin API for tenants and keys, over a real SQLite control store. */
class AdminTenantsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private String url;

    @BeforeEach
    void start() throws Exception {
        url = Databases.fresh(Databases.Kind.SQLITE);
        gw = new TestGateway(yaml -> yaml, url);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return Http.call(method, gw.adminUrl(path), body, "Authorization", bearer(gw.adminToken));
    }

    private int chatWith(String key, String model) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat(model, "hi"), "Authorization", bearer(key)).statusCode();
    }

    @Test
    void aTenantCreatedAtRunTimeGetsAKeyThatWorksUntilRevoked() throws Exception {
        HttpResponse<String> created = admin("POST", "/admin/v1/tenants",
                "{\"id\":\"delta\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"gpt-sim\",\"echo\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).path("source").asText()).isEqualTo("store");

        HttpResponse<String> issued = admin("POST", "/admin/v1/tenants/delta/keys", "{\"role\":\"developer\"}");
        assertThat(issued.statusCode()).isEqualTo(201);
        JsonNode key = JSON.readTree(issued.body());
        String secret = key.path("key").asText();
        assertThat(secret).startsWith("wdn_");
        assertThat(chatWith(secret, "gpt-sim")).isEqualTo(200); // this replica is refreshed before the answer

        HttpResponse<String> listed = admin("GET", "/admin/v1/tenants/delta/keys", null);
        assertThat(listed.body()).contains(key.path("keyId").asText()).doesNotContain(secret).doesNotContain("hmac");

        HttpResponse<String> rotated = admin("POST", "/admin/v1/tenants/delta/keys/" + key.path("keyId").asText() + "/rotate", null);
        assertThat(rotated.statusCode()).isEqualTo(201);
        String newSecret = JSON.readTree(rotated.body()).path("key").asText();
        assertThat(chatWith(secret, "gpt-sim")).isEqualTo(401);
        assertThat(chatWith(newSecret, "gpt-sim")).isEqualTo(200);

        String newId = JSON.readTree(rotated.body()).path("keyId").asText();
        assertThat(admin("DELETE", "/admin/v1/tenants/delta/keys/" + newId, null).statusCode()).isEqualTo(204);
        assertThat(chatWith(newSecret, "gpt-sim")).isEqualTo(401);
        assertThat(admin("DELETE", "/admin/v1/tenants/delta/keys/" + newId, null).statusCode()).isEqualTo(404);
    }

    @Test
    void suspendingAndUpdatingAStoredTenantTakeEffect() throws Exception {
        admin("POST", "/admin/v1/tenants", "{\"id\":\"delta\",\"tier\":\"basic\",\"regions\":[\"*\"],\"models\":[\"gpt-sim\"]}");
        String secret = JSON.readTree(admin("POST", "/admin/v1/tenants/delta/keys", "{}").body()).path("key").asText();
        assertThat(chatWith(secret, "echo")).isEqualTo(403);
        HttpResponse<String> patched = admin("PATCH", "/admin/v1/tenants/delta", "{\"models\":[\"gpt-sim\",\"echo\"]}");
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(chatWith(secret, "echo")).isEqualTo(200);
        assertThat(admin("POST", "/admin/v1/tenants/delta/suspend", null).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"), "Authorization", bearer(secret));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("tenant_suspended");
        assertThat(JSON.readTree(admin("GET", "/admin/v1/tenants/delta", null).body()).path("status").asText()).isEqualTo("suspended");
    }

    @Test
    void bodiesAreValidatedAsStrictlyAsTheFileAndEveryErrorIsReported() {
        HttpResponse<String> bad = admin("POST", "/admin/v1/tenants",
                "{\"id\":\"Bad_Id\",\"tier\":\"platinum\",\"regions\":[\"mars\"],\"models\":[\"nope\"],\"colour\":\"red\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(bad.body()).contains("tenant.id: 'Bad_Id'").contains("unknown tier 'platinum'")
                .contains("unknown region 'mars'").contains("unknown model 'nope'").contains("colour: unknown field");
        assertThat(admin("POST", "/admin/v1/tenants", "{\"id\":\"x1\",").statusCode()).isEqualTo(400);
        assertThat(admin("POST", "/admin/v1/tenants", "{\"id\":\"d\",\"id\":\"e\"}").statusCode()).isEqualTo(400);
        assertThat(admin("POST", "/admin/v1/tenants/acme/keys", "{\"models\":[\"us-only\",\"not-acme\"]}").body())
                .contains("'not-acme' is not among the tenant's models");
        assertThat(admin("POST", "/admin/v1/tenants/acme/keys", "{\"role\":\"root\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void whatTheFileOwnsCannotBeChangedThroughTheApi() throws Exception {
        assertThat(admin("POST", "/admin/v1/tenants", "{\"id\":\"acme\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"echo\"]}")
                .statusCode()).isEqualTo(409);
        assertThat(admin("PATCH", "/admin/v1/tenants/acme", "{\"status\":\"suspended\"}").statusCode()).isEqualTo(409);
        JsonNode keys = JSON.readTree(admin("GET", "/admin/v1/tenants/acme/keys", null).body()).path("keys");
        String fileKeyId = keys.get(0).path("keyId").asText();
        assertThat(keys.get(0).path("source").asText()).isEqualTo("file");
        assertThat(admin("DELETE", "/admin/v1/tenants/acme/keys/" + fileKeyId, null).statusCode()).isEqualTo(409);
        // but a key can be issued for a file tenant
        HttpResponse<String> issued = admin("POST", "/admin/v1/tenants/acme/keys", "{\"models\":[\"echo\"]}");
        assertThat(issued.statusCode()).isEqualTo(201);
        assertThat(chatWith(JSON.readTree(issued.body()).path("key").asText(), "echo")).isEqualTo(200);
    }

    @Test
    void everyRouteNeedsTheAdminTokenAndUnknownThingsAre404() {
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants"), "{}").statusCode()).isEqualTo(401);
        // a valid data-plane key without the tenant-admin role is known, but not allowed
        assertThat(Http.call("GET", gw.adminUrl("/admin/v1/tenants/acme/keys"), null, "Authorization", bearer(gw.key("acme")))
                .statusCode()).isEqualTo(403);
        assertThat(admin("GET", "/admin/v1/tenants/nobody", null).statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/admin/v1/tenants/nobody/keys", null).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/admin/v1/tenants/nobody/keys", "{}").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/admin/v1/tenants/acme/..", null).statusCode()).isEqualTo(404);
        assertThat(admin("PUT", "/admin/v1/tenants/acme", "{}").statusCode()).isEqualTo(404);
    }
}
