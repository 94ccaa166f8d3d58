package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.config.ConfigLoader;
import dev.warden.config.WardenConfig;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestPki;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The config examples of docs/identity.md run: every complete tenant auth-settings example is
 * accepted by the admin API, and every complete {@code warden.yaml} fragment loads when added to
 * a minimal config. Examples with placeholders ({@code ...}) are not complete and are skipped.
 */
class DocsExamplesTest {
    private static final String DOC = "docs/identity.md";

    private static List<String> blocks(String text, String lang) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("```" + lang + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyCompleteAuthSettingsExampleIsAccepted() throws Exception {
        String doc = Files.readString(Path.of(DOC));
        List<String> examples = new ArrayList<>();
        for (String json : blocks(doc, "json")) {
            if (json.strip().startsWith("{\"schemes\"") && !json.contains("...")) {
                examples.add(json);
            }
        }
        for (String bash : blocks(doc, "bash")) {
            Matcher m = Pattern.compile("settings/auth .*?-d '(\\{.*?\\})'", Pattern.DOTALL).matcher(bash);
            while (m.find()) {
                examples.add(m.group(1));
            }
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(2);
        try (TestGateway gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE))) {
            for (String example : examples) {
                HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), example,
                        "Authorization", bearer(gw.adminToken));
                assertThat(r.statusCode()).as(example + " -> " + r.body()).isEqualTo(200);
            }
        }
    }

    @Test
    void everyCompleteYamlFragmentLoads() throws Exception {
        String doc = Files.readString(Path.of(DOC));
        Path dir = Files.createTempDirectory("warden-docs");
        TestPki.Issued ca = TestPki.ca("docs platform CA");
        Files.writeString(dir.resolve("platform-ca.pem"), ca.certPem()); // the file the mTLS example names
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        int loaded = 0;
        for (String fragment : blocks(doc, "yaml")) {
            if (fragment.contains("...") || fragment.contains("listeners:")) {
                continue; // placeholders; the TLS listener example needs real certificate files
            }
            JsonNode node = yaml.readTree(fragment);
            StringBuilder config = new StringBuilder();
            if (node.has("jobs")) {
                config.append(yaml.writeValueAsString(yaml.createObjectNode().set("jobs", node.get("jobs"))).replace("---\n", ""));
            }
            if (node.has("exchange")) {
                config.append(yaml.writeValueAsString(yaml.createObjectNode().set("exchange", node.get("exchange"))).replace("---\n", ""));
            }
            String jobsPath = node.path("pools").path("gpu-a100").path("jobsPath").asText("/v1/jobs");
            config.append("""
                    pools:
                      main: { upstreams: [ { url: "http://127.0.0.1:9001", region: eu } ] }
                      us-pool: { upstreams: [ { url: "http://127.0.0.1:9002", region: us } ] }
                      gpu-a100: { jobsPath: %s, jobCapacity: { gpus: 8, pricePerGpuHour: 0 }, upstreams: [ { url: "http://127.0.0.1:9003", region: eu } ] }
                    models:
                      m1: { pool: main }
                    tiers:
                      basic: { description: "b" }
                    tenants:
                      acme: { tier: basic, regions: [eu], models: [m1] }
                    """.formatted(jobsPath));
            WardenConfig c = ConfigLoader.parse(config.toString(), dir);
            assertThat(c.pools().get("gpu-a100").runsJobs()).isTrue();
            loaded++;
        }
        assertThat(loaded).as("the jobs and mTLS-client fragments at least").isGreaterThanOrEqualTo(2);
    }
}
