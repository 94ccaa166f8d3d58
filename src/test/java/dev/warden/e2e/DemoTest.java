package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.Warden;
import dev.warden.app.Demo;
import dev.warden.app.VertxFactory;
import dev.warden.testing.Http;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** `./warden demo`: its credentials file is the contract scripts rely on, and its keys work. */
class DemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** examples/demo.yaml on free ports, so the test never collides with a running demo. */
    private static Path demoConfigOnFreePorts(Path dir, int[] ports) throws Exception {
        // the providers' keys are generated in the data directory, which here sits beside the config
        String yaml = Files.readString(Path.of("examples/demo.yaml")).replace("../data/", "data/");
        String[] fixed = {"8080", "9090", "8181", "8182", "8183", "8184", "8185"};
        for (int i = 0; i < fixed.length; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports[i] = s.getLocalPort();
            }
            yaml = yaml.replace(":" + fixed[i], ":" + ports[i]).replace("port: " + fixed[i], "port: " + ports[i]);
        }
        Path file = dir.resolve("demo.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void credentialsFileHasItsShapeAndEveryKeyWorks() throws Exception {
        Path dir = Files.createTempDirectory("warden-demo");
        int[] ports = new int[7];
        Path config = demoConfigOnFreePorts(dir, ports);
        Vertx vertx = VertxFactory.create();
        Demo demo = new Demo(vertx);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            demo.start(config, dir.resolve("data"), new PrintStream(printed, true)).await(20, TimeUnit.SECONDS);
            JsonNode creds = JSON.readTree(dir.resolve("data/demo-credentials.json").toFile());
            assertThat(creds.path("adminToken").asText()).startsWith("wda_");
            JsonNode tenants = creds.path("tenants");
            assertThat(tenants.size()).isGreaterThanOrEqualTo(3);
            List<String> ids = new ArrayList<>();
            Set<String> keys = new HashSet<>();
            int regionBound = 0;
            for (JsonNode t : tenants) {
                assertThat(t.fieldNames()).toIterable().containsExactlyInAnyOrder("id", "apiKey", "region", "models");
                ids.add(t.path("id").asText());
                keys.add(t.path("apiKey").asText());
                if (!t.path("region").asText().equals("*")) {
                    regionBound++;
                }
                String base = "http://127.0.0.1:" + ports[0];
                JsonNode listed = JSON.readTree(Http.get(base + "/v1/models", "Authorization", bearer(t.path("apiKey").asText())).body());
                List<String> models = new ArrayList<>();
                t.path("models").forEach(m -> models.add(m.asText()));
                assertThat(listed.path("data").findValuesAsText("id")).containsExactlyElementsOf(models);
                HttpResponse<String> r = Http.post(base + "/v1/chat/completions", chat(models.get(0), "hi"),
                        "Authorization", bearer(t.path("apiKey").asText()));
                assertThat(r.statusCode()).isEqualTo(200);
                if (!t.path("region").asText().equals("*")) {
                    assertThat(r.headers().firstValue("X-Upstream-Region")).hasValue(t.path("region").asText());
                }
            }
            assertThat(keys).hasSize(tenants.size());
            // one OpenAI client reaches the three providers that want the platform's own key
            String acme = tenants.get(0).path("apiKey").asText();
            for (String model : new String[] {"keyed-gpt", "azure-gpt", "claude-sim"}) {
                HttpResponse<String> r = Http.post("http://127.0.0.1:" + ports[0] + "/v1/chat/completions", chat(model, "hi"),
                        "Authorization", bearer(acme));
                assertThat(r.statusCode()).as(model + ": " + r.body()).isEqualTo(200);
            }
            HttpResponse<String> anthropic = Http.post("http://127.0.0.1:" + ports[0] + "/v1/messages",
                    "{\"model\":\"claude-sim\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "x-api-key", acme, "anthropic-version", "2023-06-01");
            assertThat(anthropic.statusCode()).as(anthropic.body()).isEqualTo(200);
            assertThat(regionBound).isGreaterThanOrEqualTo(1);
            List<String> t0 = new ArrayList<>();
            tenants.get(0).path("models").forEach(m -> t0.add(m.asText()));
            List<String> t1 = new ArrayList<>();
            tenants.get(1).path("models").forEach(m -> t1.add(m.asText()));
            assertThat(t0).contains("echo");
            assertThat(t0.stream().filter(m -> !m.equals("echo") && t1.contains(m))).isNotEmpty();
            assertThat(Http.get("http://127.0.0.1:" + ports[1] + "/admin/v1/tenants", "Authorization",
                    bearer(creds.path("adminToken").asText())).statusCode()).isEqualTo(200);
            // the printed job example: a job starts on the demo's sim job service and renews through the gateway
            String acmeKey = tenants.get(0).path("apiKey").asText();
            String jobs = "http://127.0.0.1:" + ports[0] + "/api/v1/tenants/" + tenants.get(0).path("id").asText() + "/jobs";
            HttpResponse<String> job = Http.post(jobs, "{\"model\":\"gpt-sim\",\"kind\":\"training\",\"params\":{\"durationMs\":60000},"
                    + "\"resources\":{\"gpus\":2,\"maxHours\":1}}", "Authorization", bearer(acmeKey));
            assertThat(job.statusCode()).as(job.body()).isEqualTo(201);
            assertThat(JSON.readTree(job.body()).path("status").asText()).as("the demo pool lends jobs 4 GPUs").isEqualTo("running");
            String jobId = JSON.readTree(job.body()).path("id").asText();
            long deadline = System.currentTimeMillis() + 5_000;
            long renewals = 0;
            while (renewals == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
                renewals = JSON.readTree(Http.get(jobs + "/" + jobId, "Authorization", bearer(acmeKey)).body()).path("credential_renewals").asLong();
            }
            assertThat(renewals).as("the job's worker renewed its credential through the gateway").isPositive();
            // the free tier's tenant meets a real 429, with its headers, within a few hundred requests
            JsonNode free = null;
            for (JsonNode t : tenants) {
                if (t.path("id").asText().equals("initech")) {
                    free = t;
                }
            }
            assertThat(free).isNotNull();
            HttpResponse<String> limited = null;
            for (int i = 0; i < 300 && limited == null; i++) {
                HttpResponse<String> r = Http.post("http://127.0.0.1:" + ports[0] + "/v1/chat/completions", chat("echo", "hi"),
                        "Authorization", bearer(free.path("apiKey").asText()));
                limited = r.statusCode() == 429 ? r : null;
            }
            assertThat(limited).as("a 429 within 300 requests").isNotNull();
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(limited.headers().firstValue("RateLimit-Policy")).isPresent();
            String out = printed.toString();
            assertThat(out).contains(jobs);
            assertThat(out).contains("curl -s http://127.0.0.1:" + ports[0]).contains("OpenAI(base_url=")
                    .contains(tenants.get(0).path("apiKey").asText());
            assertThat(Files.readString(Path.of("examples/demo.yaml"))).doesNotContain("wdn_");
        } finally {
            demo.stop().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermStopsTheDemoCleanly() throws Exception {
        Path dir = Files.createTempDirectory("warden-demo-proc");
        int[] ports = new int[7];
        Path config = demoConfigOnFreePorts(dir, ports);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"), Warden.class.getName(),
                "demo", "--config", config.toString(), "--data-dir", dir.resolve("data").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            boolean ready = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ready && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                ready = line.contains("Ctrl-C stops the demo");
            }
            assertThat(ready).as("demo printed its examples").isTrue();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("demo exited after SIGTERM").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).isIn(0, 143);
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).as("port released").isEqualTo(port);
            }
        }
    }
}
