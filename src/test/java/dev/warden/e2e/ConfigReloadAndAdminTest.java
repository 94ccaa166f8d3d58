package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin plane and live config reloads (valid and invalid). */
class ConfigReloadAndAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway();
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> r = Http.get(gw.adminUrl("/admin/v1/config/status"), "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Replaces the config file the way deployment tools do: write aside, then rename. */
    private void write(String yaml) throws Exception {
        Path tmp = gw.configFile.resolveSibling("warden.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, gw.configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void adminApiNeedsTheAdminToken() throws Exception {
        for (String path : new String[] {"/admin/v1/tenants", "/admin/v1/config/status"}) {
            HttpResponse<String> none = Http.get(gw.adminUrl(path));
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(Http.get(gw.adminUrl(path), "Authorization", bearer(gw.key("acme"))).statusCode()).isEqualTo(403);
            assertThat(Http.get(gw.adminUrl(path), "Authorization", bearer(gw.adminToken + "x")).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> tenants = Http.get(gw.adminUrl("/admin/v1/tenants"), "Authorization", bearer(gw.adminToken));
        assertThat(tenants.statusCode()).isEqualTo(200);
        JsonNode list = JSON.readTree(tenants.body()).path("tenants");
        assertThat(list.findValuesAsText("id")).containsExactly("acme", "globex", "initech", "frozen");
        assertThat(tenants.body()).doesNotContain(gw.key("acme")).doesNotContain("hmac");
        assertThat(Http.get(gw.adminUrl("/healthz")).statusCode()).isEqualTo(200);
        assertThat(Http.get(gw.adminUrl("/readyz")).statusCode()).isEqualTo(200);
        assertThat(Http.get(gw.adminUrl("/admin/v1/nope"), "Authorization", bearer(gw.adminToken)).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsCountRequestsByTenantModelAndStatus() throws Exception {
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "a b c"), "Authorization", bearer(gw.key("globex")));
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "a"), "Authorization", bearer(gw.key("globex")));
        gw.awaitMetric(1, "warden_requests_total", "status=\"403\"", "tenant=\"globex\"");
        gw.awaitMetric(3, "warden_tokens_total", "direction=\"in\"", "model=\"gpt-sim\"", "tenant=\"globex\"");
        String scrape = Http.get(gw.adminUrl("/metrics")).body();
        assertThat(scrape).contains("warden_requests_total{model=\"gpt-sim\",operation=\"chat_completions\",status=\"200\",tenant=\"globex\"}")
                .contains("warden_requests_total{model=\"_none\",operation=\"chat_completions\",status=\"403\",tenant=\"globex\"}")
                .contains("warden_request_duration_seconds_bucket{model=\"gpt-sim\",tenant=\"globex\"")
                .contains("warden_tokens_total{direction=\"in\",model=\"gpt-sim\",tenant=\"globex\"} 3.0")
                .contains("warden_stage_outcomes_total{result=\"respond\",stage=\"authorize\"}")
                .as("stage outcomes carry no tenant label (stages x results series, not x tenants)")
                .doesNotContainPattern("warden_stage_outcomes_total\\{[^}]*tenant=");
        // the process and the JVM
        assertThat(scrape).contains("jvm_threads_live_threads", "jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                "jvm_classes_loaded_classes", "process_uptime_seconds", "process_files_open_files");
    }

    @Test
    void aValidChangeIsAppliedAndAnInvalidOneRefusedWhileTheOldConfigServes() throws Exception {
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(403);
        long version = status().path("version").asLong();

        write(gw.yaml().replace("models: [gpt-sim, embed-sim]", "models: [gpt-sim, embed-sim, echo]"));
        await(() -> {
            try {
                return status().path("version").asLong() == version + 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(200);

        write(gw.yaml().replace("tier: basic", "tier: platinum").replace("maxJsonDepth: 32", "maxJsonDepth: -1"));
        await(() -> {
            try {
                return !status().path("healthy").asBoolean();
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode s = status();
        assertThat(s.path("version").asLong()).isEqualTo(version + 1);
        assertThat(s.path("rejectedReloads").asLong()).isEqualTo(1);
        assertThat(s.path("lastErrors").toString())
                .contains("tenants.globex.tier: unknown tier 'platinum'")
                .contains("limits.maxJsonDepth: -1 (expected: 4..1000)");
        // the old config still serves, keys and all
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void revokingAKeyInTheFileStopsIt() throws Exception {
        String key = gw.key("initech");
        assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(key)).statusCode()).isEqualTo(200);
        Map<String, String> rotated = new LinkedHashMap<>(gw.keys);
        rotated.put("initech", ApiKeyFormat.generate());
        write(gw.yaml(rotated));
        await(() -> Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(key)).statusCode() == 401);
        assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(rotated.get("initech"))).statusCode()).isEqualTo(200);
    }
}
