package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.GatewayTestBase;
import dev.warden.testing.Http;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tenant isolation end to end: who may call what, and what an upstream gets to see. */
class IsolationTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode echoedHeaders(HttpResponse<String> r) throws Exception {
        String content = JSON.readTree(r.body()).at("/choices/0/message/content").textValue();
        return JSON.readTree(content);
    }

    @Test
    void aTenantKeyReachesTheUpstreamTaggedWithItsTenantOnly() throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"),
                "Authorization", bearer(gw.key("acme")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tenant-ID")).hasValue("acme");
        assertThat(r.headers().firstValue("X-Request-ID")).hasValueSatisfying(v -> assertThat(v).hasSize(32));
        JsonNode seen = echoedHeaders(r);
        assertThat(seen.path("x-tenant-id").asText()).isEqualTo("acme");
        assertThat(seen.path("x-request-id").asText()).isEqualTo(r.headers().firstValue("X-Request-ID").orElseThrow());
    }

    @Test
    void unknownTenantOtherTenantAndMissingCredentialLookAlike() throws Exception {
        long before = gw.upstreamRequests();
        String body = chat("gpt-sim", "hi");
        List<HttpResponse<String>> answers = List.of(
                Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("acme")), "X-Tenant-ID", "globex"),
                Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("acme")), "X-Tenant-ID", "nosuchtenant"),
                Http.post(gw.dataUrl("/api/v1/tenants/globex/models/scorer/predict"), "{}", "Authorization", bearer(gw.key("acme"))),
                Http.post(gw.dataUrl("/api/v1/tenants/nosuchtenant/models/scorer/predict"), "{}", "Authorization", bearer(gw.key("acme"))),
                Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("acme") + "x")),
                Http.post(gw.dataUrl("/v1/chat/completions"), body, "X-Tenant-ID", "globex", "Authorization",
                        bearer("wdn_zzzzzzzzzzzz_" + "A".repeat(43))));
        for (HttpResponse<String> a : answers) {
            assertThat(a.statusCode()).isEqualTo(401);
            assertThat(a.body()).isEqualTo(answers.get(0).body());
            assertThat(a.body()).contains("\"code\":\"unauthenticated\"").doesNotContain("globex").doesNotContain("nosuchtenant");
            assertThat(a.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(a.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"warden\", error=\"invalid_token\"");
            assertThat(a.headers().firstValue("X-Tenant-ID")).isEmpty();
            gw.assertAudited(a);
        }
        HttpResponse<String> missing = Http.post(gw.dataUrl("/v1/chat/completions"), body, "X-Tenant-ID", "globex");
        HttpResponse<String> missingUnknown = Http.post(gw.dataUrl("/v1/chat/completions"), body, "X-Tenant-ID", "nosuchtenant");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.body()).isEqualTo(answers.get(0).body()).isEqualTo(missingUnknown.body());
        assertThat(missing.headers().map().keySet()).isEqualTo(missingUnknown.headers().map().keySet());
        gw.assertAudited(missing);
        gw.assertAudited(missingUnknown);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void conflictingOrRepeatedTenantClaimsAreRefused() throws Exception {
        long before = gw.upstreamRequests();
        String key = bearer(gw.key("acme"));
        HttpResponse<String> conflict = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), "{}",
                "Authorization", key, "X-Tenant-ID", "globex");
        assertThat(conflict.statusCode()).isEqualTo(400);
        assertThat(conflict.body()).contains("\"code\":\"tenant_conflict\"");
        gw.assertAudited(conflict);
        HttpResponse<String> list = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"),
                "Authorization", key, "X-Tenant-ID", "acme, globex");
        assertThat(list.statusCode()).isEqualTo(400);
        assertThat(list.body()).contains("\"code\":\"invalid_tenant\"");
        gw.assertAudited(list);
        HttpResponse<String> twice = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"),
                "Authorization", key, "X-Tenant-ID", "acme", "X-Tenant-ID", "globex");
        assertThat(twice.statusCode()).isEqualTo(400);
        gw.assertAudited(twice);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void matchingPathTenantAndKeyAreServedThroughPredict() throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"),
                "{\"instances\":[{\"x\":1},{\"x\":2}]}", "X-API-Key", gw.key("acme"), "X-Tenant-ID", "acme");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("predictions")).hasSize(2);
        assertThat(body.path("model").asText()).isEqualTo("scorer");
        assertThat(gw.awaitMetric(2, "warden_tokens_total", "tenant=\"acme\"", "model=\"scorer\"", "direction=\"in\"")).isEqualTo(2);
    }

    @Test
    void modelsOutsideTheAllowListAreRefusedAlikeWhetherTheyExistOrNot() throws Exception {
        long before = gw.upstreamRequests();
        HttpResponse<String> other = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"),
                "Authorization", bearer(gw.key("globex")));
        HttpResponse<String> none = Http.post(gw.dataUrl("/v1/chat/completions"), chat("no-such-model", "x"),
                "Authorization", bearer(gw.key("globex")));
        HttpResponse<String> keyLimited = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"),
                "Authorization", bearer(gw.key("acme-echo-only")));
        for (HttpResponse<String> r : List.of(other, none, keyLimited)) {
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).isEqualTo(other.body()).contains("\"code\":\"model_not_allowed\"");
            gw.assertAudited(r);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void modelListShowsOnlyWhatTheCallerMayUse() throws Exception {
        JsonNode globex = JSON.readTree(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(gw.key("globex"))).body());
        assertThat(globex.path("data").findValuesAsText("id")).containsExactly("gpt-sim", "embed-sim");
        JsonNode echoOnly = JSON.readTree(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(gw.key("acme-echo-only"))).body());
        assertThat(echoOnly.path("data").findValuesAsText("id")).containsExactly("echo");
    }

    @Test
    void viewerMayListButNotCall() throws Exception {
        assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(gw.key("acme-viewer"))).statusCode()).isEqualTo(200);
        HttpResponse<String> call = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"),
                "Authorization", bearer(gw.key("acme-viewer")));
        assertThat(call.statusCode()).isEqualTo(403);
        assertThat(call.body()).contains("\"code\":\"forbidden\"");
        gw.assertAudited(call);
    }

    @Test
    void suspendedTenantIsRefusedAfterAuthentication() throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"),
                "Authorization", bearer(gw.key("frozen")));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"tenant_suspended\"");
        gw.assertAudited(r);
    }

    @Test
    void regionBoundTenantNeverReachesAnotherRegion() throws Exception {
        long usBefore = gw.us.requestCount();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"),
                    "Authorization", bearer(gw.key("initech")));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Upstream-Region")).hasValue("eu");
        }
        HttpResponse<String> usOnly = Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "x"),
                "Authorization", bearer(gw.key("initech")));
        assertThat(usOnly.statusCode()).isEqualTo(503);
        assertThat(usOnly.body()).contains("\"code\":\"no_upstream_in_region\"");
        gw.assertAudited(usOnly);
        assertThat(gw.us.requestCount()).isEqualTo(usBefore);
    }

    @Test
    void anyRegionTenantIsBalancedOverBothRegions() {
        long eu = gw.eu.requestCount();
        long us = gw.us.requestCount();
        for (int i = 0; i < 200; i++) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"),
                    "Authorization", bearer(gw.key("globex"))).statusCode()).isEqualTo(200);
        }
        // equal weights, idle upstreams: a random half each (a share under 30 % is 5 standard deviations off)
        assertThat(gw.eu.requestCount() - eu).isGreaterThanOrEqualTo(60);
        assertThat(gw.us.requestCount() - us).isGreaterThanOrEqualTo(60);
    }

    @Test
    void bodyFieldsOnlyTheGatewaySetsAreRefusedAndUserIsNamespaced() throws Exception {
        long before = gw.upstreamRequests();
        for (String field : List.of("\"tenant_id\":\"globex\"", "\"org\":\"x\"", "\"roles\":[\"admin\"]",
                "\"region\":\"us\"", "\"priority\":\"high\"", "\"metadata\":{\"tenant\":\"globex\"}")) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                    "{\"model\":\"gpt-sim\"," + field + ",\"messages\":[]}", "Authorization", bearer(gw.key("acme")));
            assertThat(r.statusCode()).as(field).isEqualTo(400);
            assertThat(r.body()).contains("\"code\":\"reserved_field\"");
            gw.assertAudited(r);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        HttpResponse<String> ok = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"user\":\"alice\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", bearer(gw.key("globex")));
        assertThat(ok.statusCode()).isEqualTo(200);
        String seen = gw.eu.lastBody() != null && gw.eu.lastBody().contains("globex:alice") ? gw.eu.lastBody() : gw.us.lastBody();
        JsonNode upstreamBody = JSON.readTree(seen);
        assertThat(upstreamBody.path("user").asText()).isEqualTo("globex:alice");
        assertThat(upstreamBody.path("max_tokens").asInt()).isEqualTo(50); // the basic tier's cap
    }
}
