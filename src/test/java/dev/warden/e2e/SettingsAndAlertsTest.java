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
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenant settings through the admin API (validated as strictly as warden.yaml, audited with
 * before/after), and spend against budgets: forecasts, alerts, the webhook and the gauges.
 */
class SettingsAndAlertsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Vertx hookVertx = Vertx.vertx();
    private final List<JsonNode> hooked = new CopyOnWriteArrayList<>();
    private HttpServer hook;
    private TestGateway gw;
    private String admin;

    @BeforeEach
    void start() throws Exception {
        hook = hookVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            hooked.add(new JsonObject(b).mapTo(JsonNode.class));
            req.response().setStatusCode(204).end();
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        gw = new TestGateway(yaml -> yaml + """

                alerts:
                  webhooks: ["http://127.0.0.1:%d/alerts"]
                """.formatted(hook.actualPort()), Databases.fresh(Databases.Kind.SQLITE));
        admin = bearer(gw.adminToken);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        hookVertx.close().await(5, TimeUnit.SECONDS);
    }

    private HttpResponse<String> put(String auth, String path, String body) {
        return Http.call("PUT", gw.adminUrl(path), body, "Authorization", auth);
    }

    @Test
    void settingsAreValidatedStrictlyAndEveryErrorIsNamed() throws Exception {
        HttpResponse<String> bad = put(admin, "/admin/v1/tenants/acme/settings/budgets",
                "{\"budgets\":[{\"period\":\"week\",\"limitMicros\":-5,\"extra\":1},{\"period\":\"day\",\"limitMicros\":10,\"softPercent\":150}]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("detail").asText()).contains("budgets[0].period", "budgets[0].limitMicros",
                "budgets[0].extra", "budgets[1].softPercent");

        HttpResponse<String> ok = put(admin, "/admin/v1/tenants/acme/settings/budgets", "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":5000000}]}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).path("budgets").get(0).toString())
                .isEqualTo("{\"period\":\"month\",\"limitMicros\":5000000,\"softPercent\":80,\"hard\":true,\"enforced\":true}");

        for (String auth : List.of(
                "{\"schemes\":[\"jwt\"],\"jwt\":{\"issuer\":\"https://idp.acme.test\",\"audiences\":[\"warden\"],\"jwksUrl\":\"https://idp.acme.test/jwks\",\"algorithms\":[\"HS256\"]}}",
                "{\"schemes\":[\"jwt\"],\"jwt\":{\"issuer\":\"http://idp.acme.test\",\"audiences\":[\"warden\"],\"discovery\":true}}",
                "{\"schemes\":[\"jwt\"],\"jwt\":{\"issuer\":\"https://idp.acme.test\",\"audiences\":[\"warden\"],\"discovery\":true,\"clockSkewSeconds\":300}}",
                "{\"schemes\":[\"jwt\"]}",
                "{\"schemes\":[\"api-key\"],\"mtls\":{\"caBundle\":\"x\"}}",
                "{\"schemes\":[\"introspection\"],\"introspection\":{\"url\":\"https://idp.acme.test/introspect\",\"clientId\":\"w\",\"clientSecretEnv\":\"hunter2 secret\"}}",
                "{\"schemes\":[\"jwt\"],\"jwt\":{\"issuer\":\"https://idp.acme.test\",\"audiences\":[\"warden\"],\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}]}}}",
                "{\"mfa\":{\"rules\":[{\"operations\":[\"keys\"]}]}}")) {
            assertThat(put(admin, "/admin/v1/tenants/acme/settings/auth", auth).statusCode()).as(auth).isEqualTo(400);
        }
        HttpResponse<String> auth = put(admin, "/admin/v1/tenants/acme/settings/auth", """
                {"schemes":["api-key","jwt"],
                 "jwt":{"issuer":"https://idp.acme.test","audiences":["warden"],"jwksUrl":"https://idp.acme.test/jwks"},
                 "mfa":{"rules":[{"operations":["models"],"amr":["hwk"],"maxAgeSeconds":900}]}}""");
        assertThat(auth.statusCode()).as(auth.body()).isEqualTo(200);
        JsonNode stored = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), "Authorization", admin).body());
        assertThat(stored.path("jwt").path("algorithms").toString()).isEqualTo("[\"RS256\",\"ES256\"]");
        assertThat(stored.path("jwt").path("clockSkewSeconds").asInt()).isEqualTo(30);
        assertThat(stored.path("jwt").path("claims").path("subject").asText()).isEqualTo("sub");

        // A tenant admin: its own auth, budgets and logging; never overrides; other tenants do not exist.
        HttpResponse<String> issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", admin);
        String tenantAdmin = bearer(JSON.readTree(issued.body()).path("key").asText());
        assertThat(put(tenantAdmin, "/admin/v1/tenants/acme/settings/logging", "{\"payloads\":true}").statusCode()).isEqualTo(200);
        assertThat(put(tenantAdmin, "/admin/v1/tenants/acme/settings/overrides", "{\"requestsPerMinute\":100000}").statusCode()).isEqualTo(403);
        assertThat(put(tenantAdmin, "/admin/v1/tenants/globex/settings/logging", "{\"payloads\":true}").statusCode()).isEqualTo(404);
        assertThat(put(admin, "/admin/v1/tenants/acme/settings/overrides", "{\"requestsPerMinute\":600,\"enforced\":false}").statusCode())
                .isEqualTo(200);
        assertThat(put(admin, "/admin/v1/tenants/nobody/settings/logging", "{\"payloads\":true}").statusCode()).isEqualTo(404);
        assertThat(put(admin, "/admin/v1/tenants/acme/settings/secrets", "{}").statusCode()).isEqualTo(404);

        List<AuditRecord> changes = gw.auditRecords().stream().filter(r -> r.event().action().startsWith("admin.settings.")).toList();
        assertThat(changes).extracting(r -> r.event().action()).containsExactly("admin.settings.budgets", "admin.settings.auth",
                "admin.settings.logging", "admin.settings.overrides");
        assertThat(changes.get(2).event().principal()).isNotEqualTo("admin-token"); // the tenant admin's key id
        assertThat(JSON.readTree(changes.get(0).event().detail()).path("after").path("budgets")).hasSize(1);
    }

    @Test
    void everyFieldOfTheAdminApiHasOneJsonTypeAndNullIsNoneOfThem() throws Exception {
        String[][] cases = { // method, path, body, the field the answer names
            {"PUT", "settings/overrides", "{\"requestsPerMinute\":\"600\"}", "requestsPerMinute"},
            {"PUT", "settings/overrides", "{\"requestsPerMinute\":600.5}", "requestsPerMinute"},
            {"PUT", "settings/overrides", "{\"requestsPerMinute\":null}", "requestsPerMinute"},
            {"PUT", "settings/overrides", "{\"enforced\":\"false\"}", "enforced"},
            {"PUT", "settings/overrides", "{\"enforced\":0}", "enforced"},
            {"PUT", "settings/budgets", "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":\"300\"}]}", "limitMicros"},
            {"PUT", "settings/budgets", "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":300,\"hard\":\"true\"}]}", "hard"},
            {"PUT", "settings/budgets", "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":300,\"softPercent\":null}]}", "softPercent"},
            {"PUT", "settings/budgets", "{\"budgets\":{\"period\":\"day\",\"limitMicros\":300}}", "budgets"},
            {"PUT", "settings/budgets", "{\"budgets\":null}", "budgets"},
            {"PUT", "settings/auth", "{\"schemes\":\"api-key\"}", "schemes"},
            {"PUT", "settings/auth", "{\"schemes\":[\"api-key\"],\"mfa\":null}", "mfa"},
            {"PUT", "settings/logging", "{\"payloads\":\"true\"}", "payloads"},
            {"PUT", "settings/logging", "{\"payloads\":null}", "payloads"},
            {"POST", "role-bindings", "{\"subject\":5,\"role\":\"developer\"}", "subject"},
            {"POST", "keys", "{\"role\":[\"developer\"]}", "role"},
            {"POST", "keys", "{\"expiresAt\":1900000000}", "expiresAt"},
            {"POST", "keys", "{\"role\":null}", "role"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = Http.call(c[0], gw.adminUrl("/admin/v1/tenants/acme/" + c[1]), c[2], "Authorization", admin);
            assertThat(r.statusCode()).as("%s %s", c[1], c[2]).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("detail").asText()).as("%s %s", c[1], c[2]).contains(c[3]);
        }
        HttpResponse<String> tenant = Http.call("POST", gw.adminUrl("/admin/v1/tenants"),
                "{\"id\":7,\"tier\":\"gold\",\"regions\":[\"*\"],\"models\":[\"gpt-sim\"]}", "Authorization", admin);
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(400);
        assertThat(JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/settings/overrides"), "Authorization", admin).body())
                .path("requestsPerMinute").isMissingNode()).as("nothing was stored").isTrue();
    }

    @Test
    void spendAgainstABudgetRaisesAlertsOnceAndPostsThemToTheWebhook() throws Exception {
        // gpt-sim costs 500 / 1500 micros per 1k tokens: a few requests pass a budget of 20 micros
        // (an alerting budget: a hard one would refuse them at admission, BudgetEnforcementTest)
        assertThat(put(admin, "/admin/v1/tenants/globex/settings/budgets",
                "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":20,\"softPercent\":50,\"hard\":false},{\"period\":\"month\",\"limitMicros\":100000000}]}")
                .statusCode()).isEqualTo(200);
        long upstreamCost = 0;
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "one two three four five"),
                    "Authorization", bearer(gw.key("globex")));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode usage = JSON.readTree(r.body()).path("usage");
            upstreamCost += ceilDiv(usage.path("prompt_tokens").asLong() * 500 + usage.path("completion_tokens").asLong() * 1500, 1000);
        }
        // a row is queued as its exchange completes, which may be just after the client has the answer
        for (long deadline = System.nanoTime() + 5_000_000_000L; gw.usageRows("globex").size() < 3 && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        assertThat(gw.ledger.flush(5000)).isTrue();
        gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);

        JsonNode spend = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/globex/spend"), "Authorization", admin).body());
        assertThat(spend.path("today").path("requests").asLong()).isEqualTo(3);
        assertThat(spend.path("today").path("costMicros").asLong()).isEqualTo(upstreamCost);
        JsonNode day = spend.path("budgets").get(0);
        assertThat(day.path("period").asText()).isEqualTo("day");
        assertThat(day.path("spentMicros").asLong()).isEqualTo(upstreamCost);
        assertThat(day.path("exhausted").asBoolean()).isEqualTo(upstreamCost >= 20);
        JsonNode usage = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/globex/usage"), "Authorization", admin).body());
        assertThat(usage.path("budgets").get(0).path("spentMicros").asLong()).as("the usage report carries the forecasts").isEqualTo(upstreamCost);
        assertThat(usage.path("budgets").get(0).has("projectedExhaustion")).isTrue();
        assertThat(usage.path("budgets").get(0).path("reservedMicros").asLong()).isZero();
        JsonNode month = spend.path("budgets").get(1);
        assertThat(month.path("remainingMicros").asLong()).isEqualTo(100_000_000 - upstreamCost);
        assertThat(month.path("projectedMicros").asLong()).isGreaterThanOrEqualTo(upstreamCost);

        JsonNode alerts = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/alerts"), "Authorization", admin).body());
        assertThat(alerts.path("active").findValuesAsText("kind")).contains("budget_exhausted");
        assertThat(alerts.path("active").findValuesAsText("tenant")).containsOnly("globex");

        // The same condition on the next cycle: still one alert, not posted again.
        gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (hooked.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
        assertThat(hooked).extracting(n -> n.path("alert").path("kind").asText()).containsExactly("budget_exhausted");
        assertThat(hooked.get(0).path("alert").path("tenant").asText()).isEqualTo("globex");

        // Gauges, and a tenant admin of acme sees none of globex's alerts.
        assertThat(gw.metric("warden_budget_remaining_micros", "tenant=\"globex\"", "period=\"day\"")).isZero();
        assertThat(gw.metric("warden_alerts_active", "kind=\"budget_exhausted\"")).isEqualTo(1);
        HttpResponse<String> issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", admin);
        String acmeAdmin = bearer(JSON.readTree(issued.body()).path("key").asText());
        assertThat(JSON.readTree(Http.get(gw.adminUrl("/admin/v1/alerts"), "Authorization", acmeAdmin).body()).path("active")).isEmpty();
        assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/globex/spend"), "Authorization", acmeAdmin).statusCode()).isEqualTo(404);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
