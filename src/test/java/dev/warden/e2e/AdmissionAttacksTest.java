package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.Budget;
import dev.warden.record.TenantSpend;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RawHttp;
import dev.warden.testing.Spans;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rows of ATTACKS.md that aim at admission, over real HTTP: A11 (spoofed client headers),
 * F07 (a pipelined flood on one connection), G01 (hostile generation parameters), G02 (input
 * floods) and G03 (parallel streams against the concurrency and budget caps).
 */
class AdmissionAttacksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml
                .replace("maxBodyBytes: 65536", "maxBodyBytes: 8388608")
                .replace("gpt-sim: { pool: main, maxOutputTokens: 100,", "gpt-sim: { pool: main, maxOutputTokens: 100, maxInputTokens: 8192,")
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: { requestsPerMinute: 60, burstSeconds: 5 } }")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                        "gold: { description: \"top\", maxOutputTokens: 0, limits: { concurrency: 4 } }"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> post(String tenant, String body, String... headers) {
        String[] all = Http.authorized(bearer(gw.key(tenant)), headers);
        return Http.post(gw.dataUrl("/v1/chat/completions"), body, all);
    }

    @Test
    void a11SpoofedClientAndTenantHeadersNeitherEscapeALimitNorMoveAnothersLimit() {
        for (int i = 0; i < 5; i++) { // globex: a burst of 5, each from "another client"
            assertThat(post("globex", chat("gpt-sim", "hi"), "X-Forwarded-For", "203.0.113." + i, "X-Real-IP", "198.51.100." + i)
                    .statusCode()).isEqualTo(200);
        }
        long upstream = gw.upstreamRequests();
        HttpResponse<String> sixth = post("globex", chat("gpt-sim", "hi"), "X-Forwarded-For", "192.0.2.99", "X-Real-IP", "192.0.2.98");
        assertThat(sixth.statusCode()).as("the limit's key is the authenticated tenant and key, not a header").isEqualTo(429);
        HttpResponse<String> otherTenant = post("globex", chat("gpt-sim", "hi"), "X-Tenant-ID", "initech");
        assertThat(otherTenant.statusCode()).as("naming another tenant with globex's key").isEqualTo(401);
        assertThat(gw.upstreamRequests()).isEqualTo(upstream);
        for (int i = 0; i < 5; i++) { // initech's own bucket was not touched by globex's attempts
            assertThat(post("initech", chat("gpt-sim", "hi")).statusCode()).as("initech request %d", i).isEqualTo(200);
        }
    }

    @Test
    void f07APipelinedFloodOnOneConnectionIsLimitedPerTenantAndStarvesNoOne() throws Exception {
        String body = chat("gpt-sim", "hi");
        String one = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + gw.key("globex")
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            long started = System.nanoTime();
            CompletableFuture<RawHttp.Answer> flood = CompletableFuture.supplyAsync(
                    () -> RawHttp.send(gw.gateway.dataPort(), one.repeat(200).getBytes(StandardCharsets.UTF_8), 3000), pool);
            List<Long> quietMs = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // another tenant meanwhile, on its own connection
                long t0 = System.nanoTime();
                assertThat(post("acme", chat("gpt-sim", "hi")).statusCode()).isEqualTo(200);
                quietMs.add((System.nanoTime() - t0) / 1_000_000);
            }
            RawHttp.Answer answer = flood.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertThat(answer.responses()).as("every pipelined request answered").isEqualTo(200);
            int ok = count(answer.text(), "HTTP/1.1 200");
            int limited = count(answer.text(), "HTTP/1.1 429");
            assertThat(ok).as("globex's burst of 5 plus one a second, in %.1f s", seconds).isBetween(5, (int) (5 + seconds + 1));
            assertThat(ok + limited).isEqualTo(200);
            assertThat(count(answer.text(), "Retry-After: ")).isGreaterThanOrEqualTo(limited);
            assertThat(quietMs).as("acme is not starved by the flood: %s", quietMs).allMatch(ms -> ms < 2_000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void g01HostileGenerationParametersAreRefusedOrClampedBeforeAnythingIsForwarded() throws Exception {
        long before = gw.upstreamRequests();
        String stops = "\"stop\":[" + "\"x\",".repeat(9_999) + "\"x\"]";
        StringBuilder tools = new StringBuilder("\"tools\":[");
        for (int i = 0; i < 10_000; i++) {
            tools.append(i == 0 ? "" : ",").append("{\"type\":\"function\",\"function\":{\"name\":\"f").append(i).append("\"}}");
        }
        tools.append(']');
        for (String hostile : new String[] {"\"max_tokens\":-1", "\"max_tokens\":\"many\"", "\"max_tokens\":1.5", "\"n\":128",
                "\"best_of\":100", "\"best_of\":\"x\"", "\"n\":4,\"best_of\":2", stops, tools.toString()}) {
            String body = "{\"model\":\"gpt-sim\"," + hostile + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> r = post("acme", body);
            assertThat(r.statusCode()).as(hostile.length() > 60 ? hostile.substring(0, 60) : hostile).isEqualTo(400);
            assertThat(r.body()).contains("\"code\":\"invalid_request\"").doesNotContain("Exception");
        }
        assertThat(gw.upstreamRequests()).as("none of them forwarded").isEqualTo(before);
        long eu = gw.eu.requestCount();
        HttpResponse<String> huge = post("acme", "{\"model\":\"gpt-sim\",\"max_tokens\":1000000000,\"messages\":[]}");
        assertThat(huge.statusCode()).isEqualTo(200);
        JsonNode forwarded = JSON.readTree(gw.eu.requestCount() > eu ? gw.eu.lastBody() : gw.us.lastBody());
        assertThat(forwarded.path("max_tokens").asLong()).as("10^9 clamped to the model's cap before forwarding").isEqualTo(100);
    }

    @Test
    void g02InputFloodsAre413BeforeAnythingIsForwarded() throws Exception {
        long before = gw.upstreamRequests();
        // 100k empty messages: 3 MB of JSON, 400k prompt tokens by the chat format
        String messages = "{\"role\":\"user\",\"content\":\"\"},".repeat(99_999) + "{\"role\":\"user\",\"content\":\"\"}";
        HttpResponse<String> many = post("acme", "{\"model\":\"gpt-sim\",\"messages\":[" + messages + "]}");
        assertThat(many.statusCode()).isEqualTo(413);
        assertThat(many.body()).contains("\"code\":\"prompt_too_large\"");
        // a 2M-token prompt (4 MB): counted on a worker, refused
        HttpResponse<String> longPrompt = post("acme", "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "a ".repeat(2_000_000) + "\"}]}");
        assertThat(longPrompt.statusCode()).isEqualTo(413);
        assertThat(longPrompt.body()).contains("\"code\":\"prompt_too_large\"");
        // one 10 MB message and a 50 MB base64 image: over the body limit, refused before being read
        for (long size : new long[] {10L << 20, 50L << 20}) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + gw.key("acme")
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + size + "\r\n\r\n"
                    + "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA";
            RawHttp.Answer a = RawHttp.send(gw.gateway.dataPort(), head.getBytes(StandardCharsets.UTF_8), 2000);
            assertThat(a.status()).as("%d bytes declared", size).isEqualTo(413);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void g03ParallelStreamsAgainstTheConcurrencyAndBudgetCapsNeverPassEither() throws Exception {
        String stream = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(post("acme", stream).statusCode()).isEqualTo(200);
        long one = 0; // one stream's cost: the sim writes all 40 tokens, so its worst case too
        for (long deadline = System.nanoTime() + 5_000_000_000L; one == 0 && System.nanoTime() < deadline; Thread.sleep(20)) {
            one = spentToday(); // the ledger row is written as the exchange completes, just after the client's last byte
        }
        assertThat(one).isPositive();
        // room for three more streams and a half: the fourth cannot reserve its worst case
        long budget = one + 3 * one + one / 2;
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":" + budget + ",\"hard\":true}]}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300);
        gw.eu.trackSpans();
        gw.us.trackSpans();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<HttpResponse<String>> answers = new ArrayList<>();
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) { // long outputs: 40 tokens at 20 a second
                calls.add(CompletableFuture.supplyAsync(() -> post("acme", stream, "X-Sim-Fault", "pace=20"), pool));
            }
            for (var c : calls) {
                answers.add(c.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        int streamed = 0;
        int overBudget = 0;
        for (HttpResponse<String> r : answers) {
            if (r.statusCode() == 200) {
                streamed++;
                assertThat(r.body()).as("an admitted stream holds its worst case: it always finishes").contains("data: [DONE]");
            } else {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.body()).containsAnyOf("\"code\":\"concurrency_limited\"", "\"code\":\"budget_exhausted\"");
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                overBudget += r.body().contains("budget_exhausted") ? 1 : 0;
            }
        }
        assertThat(streamed).as("three fit the budget (and the concurrency of 4)").isEqualTo(3);
        assertThat(overBudget).isPositive();
        List<long[]> spans = new ArrayList<>(gw.eu.spans());
        spans.addAll(gw.us.spans());
        assertThat(spans).hasSize(streamed);
        assertThat(Spans.maxOverlap(spans)).as("never more streams at once than acme's concurrency of 4").isLessThanOrEqualTo(4);
        assertThat(spentToday()).as("never past the budget").isEqualTo(4 * one).isLessThanOrEqualTo(budget);
        HttpResponse<String> after = post("acme", stream);
        assertThat(after.statusCode()).as("half a stream's worst case is left").isEqualTo(429);
        assertThat(after.body()).contains("\"code\":\"budget_exhausted\"");
    }

    private long spentToday() throws InterruptedException {
        gw.ledger.flush(5_000);
        long dayStart = Budget.Period.DAY.startMs(System.currentTimeMillis());
        return gw.store.ledger().spend(dayStart, dayStart + 86_400_000L).stream().filter(s -> s.tenantId().equals("acme"))
                .mapToLong(TenantSpend::costMicros).sum();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

}
