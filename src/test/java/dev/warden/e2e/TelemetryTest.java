package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.OtlpCollector;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** W3C trace propagation to upstreams, OTLP span export, and the JSON access log with payload opt-in. */
class TelemetryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_PARENT = "00-" + CLIENT_TRACE + "-00f067aa0ba902b7-01";

    private static String upstreamTraceparent(TestGateway gw) {
        return gw.lastUpstreamHeaders().get("traceparent");
    }

    @Test
    void aClientTraceIsLinkedNotContinuedByDefaultAndContinuedWhenTrusted() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"),
                    "Authorization", bearer(gw.key("acme")), "traceparent", CLIENT_PARENT, "tracestate", "evil=1");
            assertThat(r.statusCode()).isEqualTo(200);
            String up = upstreamTraceparent(gw);
            assertThat(up).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
            assertThat(up).doesNotContain(CLIENT_TRACE);
            assertThat(gw.lastUpstreamHeaders().get("tracestate")).isNull();

            Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(gw.key("acme")),
                    "traceparent", "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01");
            assertThat(upstreamTraceparent(gw)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]").doesNotContain("0".repeat(32));
        }
        try (TestGateway gw = new TestGateway(yaml -> yaml + "\ntelemetry: { trustClientTrace: true }\n")) {
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(gw.key("acme")),
                    "traceparent", CLIENT_PARENT);
            String up = upstreamTraceparent(gw);
            assertThat(up).startsWith("00-" + CLIENT_TRACE + "-").endsWith("-01").doesNotContain("00f067aa0ba902b7");
        }
    }

    @Test
    void spansAreExportedOverOtlpWithTheTenantAndTheTraceSentUpstream() throws Exception {
        try (OtlpCollector collector = new OtlpCollector(); TestGateway gw = new TestGateway(yaml -> yaml + """

                telemetry:
                  tracing: true
                  otlpEndpoint: "%s"
                  serviceName: warden-test
                """.formatted(collector.endpoint()))) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
            String traceId = upstreamTraceparent(gw).substring(3, 35);
            String text = collector.awaitText(t -> !t.isEmpty());
            assertThat(collector.requests()).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo("application/x-protobuf /v1/traces"));
            assertThat(text).contains(new String(HexFormat.of().parseHex(traceId), StandardCharsets.ISO_8859_1));
            assertThat(text).contains("warden-test", "warden.tenant", "acme", "gen_ai.request.model");
            assertThat(text).doesNotContain(gw.key("acme")).doesNotContain("\"hi\"");
        }
    }

    @Test
    void spansFollowTheSemanticConventionsAndCarryTheCollectorsHeadersFromAFile(@TempDir Path dir) throws Exception {
        Path headers = Files.writeString(dir.resolve("otlp-headers"), "X-Collector-Token=s3cr%3Dt+1\n");
        try (OtlpCollector collector = new OtlpCollector(); TestGateway gw = new TestGateway(yaml -> yaml + """

                telemetry:
                  tracing: true
                  otlpEndpoint: "%s"
                  otlpHeadersFile: "%s"
                """.formatted(collector.endpoint(), headers))) {
            String stream = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), stream, "Authorization", bearer(gw.key("acme"))).statusCode())
                    .isEqualTo(200);
            String text = collector.awaitText(t -> t.contains("chat gpt-sim") && t.contains("POST /v1/chat/completions"));
            assertThat(collector.requests()).isNotEmpty().allSatisfy(t -> assertThat(t).endsWith(" token=s3cr=t+1"));
            // the server span: METHOD route, HTTP server attributes
            assertThat(text).contains("POST /v1/chat/completions", "http.request.method", "http.route", "url.path", "url.scheme",
                    "client.address", "http.response.status_code");
            // the upstream call: "<operation> <model>", GenAI attributes, the upstream's address
            assertThat(text).contains("chat gpt-sim", "gen_ai.operation.name", "gen_ai.provider.name", "openai",
                    "gen_ai.request.model", "gen_ai.response.model", "gen_ai.response.finish_reasons", "stop",
                    "gen_ai.usage.output_tokens", "server.address", "server.port");
        }
    }

    @Test
    void aRefusalNamesItsErrorType() throws Exception {
        try (OtlpCollector collector = new OtlpCollector(); TestGateway gw = new TestGateway(yaml -> yaml + """

                telemetry:
                  tracing: true
                  otlpEndpoint: "%s"
                """.formatted(collector.endpoint()))) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", "Bearer wdn_nope")
                    .statusCode()).isEqualTo(401);
            String text = collector.awaitText(t -> t.contains("error.type"));
            assertThat(text).contains("error.type", "unauthenticated").doesNotContain("chat gpt-sim");
        }
    }

    @Test
    void streamsRecordTimeToFirstTokenAndTimePerOutputTokenByModel() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            String stream = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), stream, "Authorization", bearer(gw.key("acme"))).statusCode())
                    .isEqualTo(200);
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
            gw.awaitMetric(1, "warden_time_to_first_token_seconds_count", "model=\"gpt-sim\"");
            gw.awaitMetric(1, "warden_time_per_output_token_seconds_count", "model=\"gpt-sim\"");
            String scrape = Http.get(gw.adminUrl("/metrics")).body();
            assertThat(scrape).as("a whole answer has no first token of its own: only streams are timed")
                    .contains("warden_time_to_first_token_seconds_count{model=\"gpt-sim\"} 1\n")
                    .contains("warden_time_to_first_token_seconds_bucket{model=\"gpt-sim\",le=\"0.25\"}")
                    .doesNotContainPattern("warden_time_to_first_token_seconds_count\\{[^}]*tenant=");
        }
    }

    @Test
    void aCallThatDidNotBecomeTheAnswerIsAnEventOfTheSpan() throws Exception {
        try (OtlpCollector collector = new OtlpCollector(); TestGateway gw = new TestGateway(yaml -> yaml + """

                telemetry:
                  tracing: true
                  otlpEndpoint: "%s"
                """.formatted(collector.endpoint()))) {
            gw.eu.faults("status=429,retry-after=5"); // eu is busy: a request sent there goes on to us
            for (int i = 0; i < 20 && gw.eu.requestCount() == 0; i++) {
                assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                        .statusCode()).isEqualTo(200);
            }
            assertThat(gw.eu.requestCount()).as("one request tried eu first").isEqualTo(1);
            String text = collector.awaitText(t -> t.contains("warden.upstream_try"));
            assertThat(text).contains("warden.upstream_try", "upstream_429", "127.0.0.1:" + gw.eu.port());
        }
    }

    @Test
    void theAccessLogHasMetadataOnlyUnlessTheTenantOptsIn() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (TestGateway gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE))) {
            gw.gateway.accessLog().tap(lines::add);
            String prompt = "the secret recipe is 42";
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", prompt), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", prompt), "Authorization", bearer(gw.key("acme") + "x"));
            JsonNode ok = await(lines, 1);
            assertThat(ok.path("tenant").asText()).isEqualTo("acme");
            assertThat(ok.path("status").asInt()).isEqualTo(200);
            assertThat(ok.path("model").asText()).isEqualTo("gpt-sim");
            assertThat(ok.path("inputTokens").asLong()).isPositive();
            assertThat(ok.path("costMicros").asLong()).isPositive();
            assertThat(ok.path("traceId").asText()).hasSize(32);
            assertThat(ok.has("requestBody")).isFalse();
            JsonNode refused = await(lines, 2);
            assertThat(refused.path("status").asInt()).isEqualTo(401);
            assertThat(refused.path("error").asText()).isEqualTo("unauthenticated");
            assertThat(refused.path("tenant").isNull()).isTrue();
            assertThat(lines.toString()).doesNotContain(prompt).doesNotContain(gw.key("acme"));

            assertThat(Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/logging"), "{\"payloads\":true}",
                    "Authorization", bearer(gw.adminToken)).statusCode()).isEqualTo(200);
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", prompt), "Authorization", bearer(gw.key("acme")));
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", prompt), "Authorization", bearer(gw.key("globex")));
            JsonNode optedIn = await(lines, 3);
            assertThat(optedIn.path("tenant").asText()).isEqualTo("acme");
            assertThat(optedIn.has("requestBody")).as("an opted-in tenant's payloads go to its sealed log, never the access log").isFalse();
            JsonNode other = await(lines, 4);
            assertThat(other.path("tenant").asText()).isEqualTo("globex");
            assertThat(other.has("requestBody")).isFalse();
            assertThat(lines.toString()).doesNotContain(prompt);
        }
    }

    @Test
    void upstreamHealthIsCountedPerUpstream() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            String acme = bearer(gw.key("acme"));
            // us-only runs on the us upstream alone: every request lands there.
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "hi"), "Authorization", acme).statusCode()).isEqualTo(200);
            String up = "127.0.0.1:" + gw.us.port();
            gw.awaitMetric(1, "warden_upstream_responses_total", "upstream=\"" + up + "\"", "outcome=\"ok\"");
            for (int i = 0; i < 2; i++) {
                assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "hi"), "Authorization", acme,
                        "X-Sim-Fault", "status=503").statusCode()).isEqualTo(503);
            }
            gw.awaitMetric(2, "warden_upstream_responses_total", "upstream=\"" + up + "\"", "outcome=\"failed\"");
            assertThat(gw.metric("warden_upstream_consecutive_failures", "upstream=\"" + up + "\"")).isEqualTo(2);
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "hi"), "Authorization", acme);
            gw.awaitMetric(2, "warden_upstream_responses_total", "upstream=\"" + up + "\"", "outcome=\"ok\"");
            assertThat(gw.metric("warden_upstream_consecutive_failures", "upstream=\"" + up + "\"")).isZero();
        }
    }

    private static JsonNode await(List<String> lines, int n) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (lines.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(lines).hasSizeGreaterThanOrEqualTo(n);
        return JSON.readTree(lines.get(n - 1));
    }
}
