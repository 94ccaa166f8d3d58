package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.GatewayTestBase;
import dev.warden.testing.Http;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SSE through the gateway: event by event, usage read, hostile streams re-serialized or cut. */
class StreamingTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The events of an SSE body, split the way a browser's EventSource would (CR, LF, CRLF). */
    static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        StringBuilder data = new StringBuilder();
        String event = null;
        for (String line : body.split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    events.add((event == null ? "" : event + "|") + data);
                }
                data.setLength(0);
                event = null;
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line.substring(5).strip());
            } else if (line.startsWith("event:")) {
                event = line.substring(6).strip();
            }
        }
        return events;
    }

    private HttpResponse<String> stream(String tenant, String body, String... extra) {
        List<String> headers = new ArrayList<>(List.of("Authorization", bearer(gw.key(tenant))));
        headers.addAll(List.of(extra));
        return Http.post(gw.dataUrl("/v1/chat/completions"), body, headers.toArray(String[]::new));
    }

    @Test
    void streamsEveryEventAndHidesTheUsageChunkUnlessAskedFor() throws Exception {
        double before = gw.metric("warden_tokens_total", "tenant=\"globex\"", "model=\"gpt-sim\"", "direction=\"out\"");
        HttpResponse<String> r = stream("globex",
                "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(r.headers().firstValue("X-Tenant-ID")).hasValue("globex");
        List<String> events = events(r.body());
        assertThat(events).hasSize(7 + 1 + 1); // 7 tokens, the stop chunk, [DONE]
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(events).noneMatch(e -> e.contains("\"usage\""));
        assertThat(gw.awaitMetric(before + 7, "warden_tokens_total", "tenant=\"globex\"", "model=\"gpt-sim\"",
                "direction=\"out\"")).isEqualTo(before + 7);
    }

    @Test
    void passesTheUsageChunkWhenTheClientAsks() throws Exception {
        HttpResponse<String> r = stream("globex", "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":3,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"a b\"}]}");
        List<String> events = events(r.body());
        JsonNode usage = JSON.readTree(events.get(events.size() - 2)).path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(2);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void escapedNewlinesInAValueStayInsideOneEvent() throws Exception {
        HttpResponse<String> r = stream("acme", "{\"model\":\"gpt-sim\",\"stream\":true,\"messages\":[]}", "X-Sim-Fault", "sse=escaped");
        List<String> events = events(r.body());
        assertThat(events.get(0)).doesNotStartWith("error");
        assertThat(JSON.readTree(events.get(0)).at("/choices/0/delta/content").asText()).isEqualTo("a\n\ndata: {\"forged\":true}");
        assertThat(events).noneMatch(e -> e.contains("\"forged\":true") && !e.contains("content"));
    }

    @Test
    void rawCarriageReturnFromTheUpstreamCannotForgeAnEvent() {
        HttpResponse<String> r = stream("acme", "{\"model\":\"gpt-sim\",\"stream\":true,\"messages\":[]}", "X-Sim-Fault", "sse=raw-cr");
        List<String> events = events(r.body());
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).startsWith("error|").contains("upstream_protocol_error");
        assertThat(r.body()).doesNotContain("\r");
    }

    @Test
    void invalidJsonEventsEndTheStreamWithAnErrorEvent() {
        HttpResponse<String> r = stream("acme", "{\"model\":\"gpt-sim\",\"stream\":true,\"messages\":[]}", "X-Sim-Fault", "sse=bad-json");
        assertThat(events(r.body())).containsExactly(events(r.body()).get(0));
        assertThat(events(r.body()).get(0)).startsWith("error|");
    }

    @Test
    void anUpstreamResetMidStreamEndsWithATerminalErrorEvent() {
        HttpResponse<String> r = stream("acme", "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}",
                "X-Sim-Fault", "reset-after=3");
        List<String> events = events(r.body());
        assertThat(events).hasSizeGreaterThanOrEqualTo(1);
        assertThat(events.get(events.size() - 1)).startsWith("error|").contains("upstream_protocol_error");
    }

    @Test
    void aStalledStreamHitsTheIdleTimeout() {
        long start = System.nanoTime();
        HttpResponse<String> r = stream("acme", "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}",
                "X-Sim-Fault", "stall");
        List<String> events = events(r.body());
        assertThat(events.get(events.size() - 1)).startsWith("error|").contains("upstream_timeout");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void aSilentUpstreamHitsTheFirstByteTimeout() {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"messages\":[]}", "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "delay=5000");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
    }

    @Test
    void anUpstreamErrorStatusIsRelayedAsIs() {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"messages\":[]}", "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "status=503");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("X-Tenant-ID")).hasValue("acme");
    }

    @Test
    void anAnswerTaggedForAnotherTenantIsDropped() throws Exception {
        double before = gw.metric("warden_security_events_total", "code=\"isolation_violation\"");
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"messages\":[]}", "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "tenant=globex");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"isolation_violation\"").doesNotContain("globex").doesNotContain("choices");
        assertThat(gw.awaitMetric(before + 1, "warden_security_events_total", "code=\"isolation_violation\"")).isEqualTo(before + 1);
    }

    @Test
    void jsonUsageIsCountedAndAiHeadersAreSet() throws Exception {
        double before = gw.metric("warden_tokens_total", "tenant=\"acme\"", "model=\"gpt-sim\"", "direction=\"in\"");
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"one two three four five\"}]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Model")).hasValue("gpt-sim");
        assertThat(r.headers().firstValue("X-Model-Version")).hasValue("sim-1");
        assertThat(r.headers().firstValue("X-Upstream-Region").orElse("")).isIn("eu", "us");
        assertThat(r.headers().firstValue("X-Processing-Time-Ms")).isPresent();
        for (String h : List.of("X-Content-Type-Options", "X-Frame-Options", "Cache-Control", "Referrer-Policy")) {
            assertThat(r.headers().firstValue(h)).as(h).isPresent();
        }
        assertThat(gw.awaitMetric(before + 5, "warden_tokens_total", "tenant=\"acme\"", "model=\"gpt-sim\"", "direction=\"in\""))
                .isEqualTo(before + 5);
    }
}
