package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
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

/**
 * Field-level permissions over real HTTP: the fields of a model's answer a role may not see are
 * gone from whole answers and from every streamed event (tool calls in a message and in a delta
 * alike) while the answer is still metered; another role of the same tenant, and another tenant,
 * see them. The fields of admin records a kind of admin may not see are gone from audit events, and
 * a usage report grouped by a hidden field is refused; the tenant's own admins see everything.
 */
class FieldPermissionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private String tenantAdminKey;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("gold: { description: \"top\", maxOutputTokens: 0 }", """
                gold:
                    description: "top"
                    maxOutputTokens: 0
                    fields:
                      answers: { developer: [ "usage", "system_fingerprint", "choices[].message.tool_calls", "choices[].finish_reason" ] }
                      records: { platform-admin: [ "audit.source", "audit.principal", "usage.user" ], platform-auditor: [ "audit.detail" ] }"""),
                Databases.fresh(Databases.Kind.SQLITE));
        HttpResponse<String> issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", bearer(gw.adminToken));
        assertThat(issued.statusCode()).isEqualTo(201);
        tenantAdminKey = JSON.readTree(issued.body()).path("key").asText();
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> chat(String key, String extra) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5" + extra
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}", "Authorization", bearer(key));
    }

    private static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}],"
            + "\"tool_choice\":\"required\"";

    @Test
    void aRolesHiddenAnswerFieldsAreGoneFromWholeAndStreamedAnswersWhichAreStillMetered() throws Exception {
        HttpResponse<String> whole = chat(gw.key("acme"), "");
        assertThat(whole.statusCode()).isEqualTo(200);
        JsonNode answer = JSON.readTree(whole.body());
        assertThat(answer.has("usage")).isFalse();
        assertThat(answer.path("choices").get(0).has("finish_reason")).isFalse();
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isNotEmpty();
        assertThat(whole.headers().firstValue("Content-Length")).hasValue(Integer.toString(whole.body().length()));
        String requestId = whole.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(gw.usageRow("acme", requestId).outputTokens()).as("metered from what the upstream reported").isPositive();

        JsonNode tools = JSON.readTree(chat(gw.key("acme"), TOOLS).body());
        assertThat(tools.path("choices").get(0).path("message").has("tool_calls")).isFalse();

        HttpResponse<String> stream = chat(gw.key("acme"), TOOLS + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        assertThat(stream.body()).contains("data: [DONE]").doesNotContain("tool_calls").doesNotContain("finish_reason")
                .doesNotContain("\"usage\"");
        HttpResponse<String> text = chat(gw.key("acme"), ",\"stream\":true");
        assertThat(text.body()).contains("\"content\"").doesNotContain("finish_reason");

        HttpResponse<String> admin = chat(tenantAdminKey, TOOLS);
        assertThat(JSON.readTree(admin.body()).path("choices").get(0).path("message").has("tool_calls"))
                .as("another role of the same tenant sees them").isTrue();
        assertThat(JSON.readTree(chat(tenantAdminKey, "").body()).has("usage")).isTrue();
        assertThat(chat(tenantAdminKey, TOOLS + ",\"stream\":true").body()).contains("tool_calls");
        assertThat(JSON.readTree(chat(gw.key("globex"), "").body()).has("usage")).as("another tenant's policy").isTrue();
    }

    @Test
    void anAdminKindsHiddenRecordFieldsAreGoneAndAGroupingByOneIsRefused() throws Exception {
        HttpResponse<String> refused = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"nope\",\"messages\":[]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(refused.statusCode()).isIn(400, 403, 404);
        assertThat(chat(gw.key("acme"), "").statusCode()).isEqualTo(200);

        JsonNode platform;
        long deadline = System.currentTimeMillis() + 5_000;
        do { // the audit writer stores events in batches
            Thread.sleep(50);
            platform = JSON.readTree(Http.call("GET", gw.adminUrl("/admin/v1/audit?tenant=acme&decision=deny"), null,
                    "Authorization", bearer(gw.adminToken)).body()).path("records");
        } while (platform.isEmpty() && System.currentTimeMillis() < deadline);
        assertThat(platform).isNotEmpty();
        assertThat(platform).allSatisfy(r -> {
            assertThat(r.has("source")).isFalse();
            assertThat(r.has("principal")).isFalse();
            assertThat(r.has("action")).isTrue();
        });
        JsonNode own = JSON.readTree(Http.call("GET", gw.adminUrl("/admin/v1/audit"), null, "Authorization", bearer(tenantAdminKey))
                .body()).path("records");
        assertThat(own).anySatisfy(r -> assertThat(r.path("source").asText()).isEqualTo("127.0.0.1"));
        String someone = own.findValuesAsText("principal").stream().filter(p -> !p.isEmpty()).findFirst().orElseThrow();
        JsonNode probed = JSON.readTree(Http.call("GET", gw.adminUrl("/admin/v1/audit?tenant=acme&principal=" + someone), null,
                "Authorization", bearer(gw.adminToken)).body()).path("records");
        assertThat(probed).as("filtering by a hidden field finds nothing").isEmpty();
        String export = Http.call("GET", gw.adminUrl("/admin/v1/audit/export?tenant=acme"), null, "Authorization",
                bearer(gw.adminToken)).body();
        assertThat(export).isNotEmpty().doesNotContain("\"source\"");

        HttpResponse<String> byUser = Http.call("GET", gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=user"), null,
                "Authorization", bearer(gw.adminToken));
        assertThat(byUser.statusCode()).isEqualTo(403);
        assertThat(byUser.body()).contains("forbidden");
        assertThat(Http.call("GET", gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=model"), null, "Authorization",
                bearer(gw.adminToken)).statusCode()).isEqualTo(200);
        HttpResponse<String> ownByUser = Http.call("GET", gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=user"), null,
                "Authorization", bearer(tenantAdminKey));
        assertThat(ownByUser.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ownByUser.body()).path("rows").findValuesAsText("group")).isNotEmpty().doesNotContain("-");
        assertThat(Http.call("GET", gw.adminUrl("/admin/v1/tenants/globex/usage?groupBy=user"), null, "Authorization",
                bearer(gw.adminToken)).statusCode()).as("another tenant's policy").isEqualTo(200);
    }
}
