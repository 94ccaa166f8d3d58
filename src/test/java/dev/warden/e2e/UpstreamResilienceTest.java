package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.pipeline.Usage;
import dev.warden.record.UsageRecord;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimServer;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
 * Upstreams failing under a real gateway: retries before the first byte stay in the tenant's
 * regions, circuit breakers open and close, active health checks take an upstream out before
 * requests fail on it, the balancer follows weights and load, and the retry budget holds.
 *
 * <p>Pool {@code ha}: {@code a1}, {@code a2} in eu and {@code b} in us (breaker: 3 failures, 500 ms
 * open). Tenant {@code initech} may use eu only, {@code acme} any region.
 */
class UpstreamResilienceTest {
    private final Vertx vertx = Vertx.vertx();
    private SimServer a1;
    private SimServer a2;
    private SimServer b;
    private SimServer c1;
    private SimServer c2;
    /** Alone in their pools, each the first choice of a model that falls back to fb-cheap. */
    private SimServer busy;
    private SimServer broken;
    private SimServer small;
    private NetServer garbage;
    private int deadPort;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        a1 = sim("eu");
        a2 = sim("eu");
        b = sim("us");
        c1 = sim("eu");
        c2 = sim("eu");
        busy = sim("eu");
        broken = sim("eu");
        small = sim("eu");
        garbage = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> {
            socket.write(Buffer.buffer("this is not HTTP at all\r\n\r\n")).onComplete(v -> socket.close());
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // nobody listens here once it is closed
        }
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", """
                        pools:
                          ha:
                            circuitBreaker: { failures: 3, openMs: 500 }
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                              - { url: "http://127.0.0.1:%d", region: eu }
                              - { url: "http://127.0.0.1:%d", region: us }
                          checked:
                            healthCheck: { path: /health, intervalMs: 100, timeoutMs: 100, unhealthyAfter: 2, healthyAfter: 2 }
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                              - { url: "http://127.0.0.1:%d", region: eu }
                          weighted:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu, weight: 1 }
                              - { url: "http://127.0.0.1:%d", region: eu, weight: 3 }
                          junk:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbdead:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbc1:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbus:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: us }
                          fba2:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbbusy:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbbroken:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          fbsmall:
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                          nobudget:
                            circuitBreaker: { failures: 1000 }
                            retries: { maxRetries: 2, budgetPercent: 0, minPerSecond: 0 }
                            upstreams:
                              - { url: "http://127.0.0.1:%d", region: eu }
                              - { url: "http://127.0.0.1:%d", region: eu }
                        """.formatted(a1.port(), a2.port(), b.port(), c1.port(), c2.port(), c1.port(), c2.port(),
                        garbage.actualPort(), deadPort, c1.port(), b.port(), a2.port(), busy.port(), broken.port(), small.port(),
                        deadPort, a2.port()))
                .replace("models:\n", """
                        models:
                          ha-model: { pool: ha }
                          checked-model: { pool: checked }
                          weighted-model: { pool: weighted }
                          junk-model: { pool: junk }
                          nobudget-model: { pool: nobudget }
                          fb-primary: { pool: fbdead, price: { inputPer1k: 1000, outputPer1k: 1000 } }
                          fb-pricey: { pool: fbc1, price: { inputPer1k: 5000, outputPer1k: 5000 } }
                          fb-us: { pool: fbus, price: { inputPer1k: 10, outputPer1k: 10 } }
                          fb-cheap: { pool: fba2, price: { inputPer1k: 100, outputPer1k: 300 } }
                          fb-busy: { pool: fbbusy, price: { inputPer1k: 1000, outputPer1k: 1000 } }
                          fb-broken: { pool: fbbroken, price: { inputPer1k: 1000, outputPer1k: 1000 } }
                          fb-small: { pool: fbsmall, price: { inputPer1k: 1000, outputPer1k: 1000 } }
                        """)
                .replace("models: [echo, gpt-sim, us-only]", "models: [echo, gpt-sim, us-only, ha-model, checked-model, weighted-model, junk-model, nobudget-model]")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]", "models: [echo, gpt-sim, embed-sim, scorer, us-only, ha-model,"
                        + " fb-primary, fb-pricey, fb-us, fb-cheap, fb-busy, fb-broken, fb-small]\n"
                        + "    fallbacks: { fb-primary: [fb-pricey, fb-us, fb-cheap], fb-busy: [fb-cheap], fb-broken: [fb-cheap], fb-small: [fb-cheap] }"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private SimServer sim(String region) throws Exception {
        return new SimServer(vertx, SimOptions.of(0, region)).start().await(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> call(String tenant, String model, String... extra) {
        String[] headers = Http.authorized(bearer(gw.key(tenant)), extra);
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat(model, "hi"), headers);
    }

    private double breaker(SimServer sim) {
        return gw.metric("warden_upstream_circuit_state", "pool=\"ha\"", "upstream=\"127.0.0.1:" + sim.port() + "\"");
    }

    @Test
    void aDeadUpstreamIsRetriedInRegionAndItsBreakerOpens() throws Exception {
        int port = a1.port();
        a1.stop().await(5, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = call("initech", "ha-model");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Upstream-Region")).hasValue("eu");
        }
        assertThat(a2.requestCount()).isEqualTo(20);
        assertThat(b.requestCount()).as("never another region").isZero();
        assertThat(breaker(a1)).as("a1's breaker is open").isEqualTo(2);
        double retries = gw.metric("warden_upstream_retries_total", "pool=\"ha\"", "reason=\"connect_failed\"");
        assertThat(retries).as("three failures open it; afterwards nobody tries a1").isEqualTo(3);
        for (int i = 0; i < 10; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(gw.metric("warden_upstream_retries_total", "pool=\"ha\"", "reason=\"connect_failed\"")).isEqualTo(retries);
        assertThat(gw.metric("warden_upstream_circuit_opened_total", "upstream=\"127.0.0.1:" + port + "\"")).isEqualTo(1);
    }

    @Test
    void anUpstreamThatComesBackIsProbedAndTakesTrafficAgain() throws Exception {
        int port = a1.port();
        a1.stop().await(5, TimeUnit.SECONDS);
        // the balancer draws a1 at random: call until it has failed often enough to open (P(fewer than
        // 3 draws in 10 calls) is 5 %: a fixed 10 made this test fail now and then)
        for (int i = 0; i < 60 && gw.metric("warden_upstream_circuit_state", "upstream=\"127.0.0.1:" + port + "\"") != 2; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(gw.metric("warden_upstream_circuit_state", "upstream=\"127.0.0.1:" + port + "\"")).isEqualTo(2);
        SimServer back = new SimServer(vertx, SimOptions.of(port, "eu")).start().await(10, TimeUnit.SECONDS);
        Thread.sleep(600); // the breaker's open time
        for (int i = 0; i < 40 && back.requestCount() < 5; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(back.requestCount()).as("the recovered upstream takes requests again").isGreaterThanOrEqualTo(5);
        assertThat(gw.metric("warden_upstream_circuit_state", "upstream=\"127.0.0.1:" + port + "\"")).isZero();
    }

    @Test
    void noAllowedUpstreamLeftIs503AndNeverAnotherRegion() throws Exception {
        a1.stop().await(5, TimeUnit.SECONDS);
        a2.stop().await(5, TimeUnit.SECONDS);
        HttpResponse<String> last = null;
        for (int i = 0; i < 10; i++) {
            last = call("initech", "ha-model", "X-Warden-Region", "us", "X-Upstream", "127.0.0.1:" + b.port());
            assertThat(last.statusCode()).as(last.body()).isIn(502, 503);
            assertThat(last.body()).doesNotContain("Exception").doesNotContain("at dev.");
        }
        assertThat(last.statusCode()).as("both breakers open: refused before any attempt").isEqualTo(503);
        assertThat(last.body()).contains("\"code\":\"no_upstream_in_region\"");
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
        assertThat(b.requestCount()).as("eu-only traffic never reaches us, whatever the headers say").isZero();
        // a tenant allowed in us is served there meanwhile
        HttpResponse<String> acme = call("acme", "ha-model");
        assertThat(acme.statusCode()).isEqualTo(200);
        assertThat(acme.headers().firstValue("X-Upstream-Region")).hasValue("us");
    }

    @Test
    void a503WithRetryAfterIsRetriedOnAnotherUpstream() throws Exception {
        a1.faults("status=503,retry-after=1");
        for (int i = 0; i < 20; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(a1.requestCount()).as("a1 was tried").isPositive();
        assertThat(a2.requestCount()).isEqualTo(20);
        assertThat(gw.metric("warden_upstream_retries_total", "pool=\"ha\"", "reason=\"retry_after\"")).isEqualTo(a1.requestCount());
    }

    @Test
    void a503WithoutRetryAfterIsPassedOnNotRetried() {
        a1.faults("status=503");
        int refused = 0;
        for (int i = 0; i < 20; i++) {
            int status = call("initech", "ha-model").statusCode();
            assertThat(status).isIn(200, 503);
            refused += status == 503 ? 1 : 0;
        }
        assertThat(refused).as("a1's answers reach the client").isPositive();
        assertThat(a1.requestCount() + a2.requestCount()).as("one attempt per request").isEqualTo(20);
        assertThat(refused).as("the breaker stops sending to a1 after three failures").isLessThanOrEqualTo(3);
    }

    @Test
    void aResetBeforeTheHeadIsRetried() {
        a1.faults("reset-head");
        for (int i = 0; i < 20; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(a2.requestCount()).isEqualTo(20);
        assertThat(gw.metric("warden_upstream_retries_total", "pool=\"ha\"", "reason=\"reset\"")).isEqualTo(a1.requestCount());
    }

    @Test
    void aSlowUpstreamTimesOutWithoutARetry() {
        HttpResponse<String> r = call("initech", "ha-model", "X-Sim-Fault", "delay=3000");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
        assertThat(a1.requestCount() + a2.requestCount()).as("the upstream may still be working on it: no second try").isEqualTo(1);
    }

    @Test
    void aStreamResetMidwayCountsAgainstItsUpstream() throws Exception {
        String body = "{\"model\":\"ha-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("initech")), "X-Sim-Fault", "reset-after=2");
        assertThat(a1.requestCount() + a2.requestCount()).as("begun streams are never retried").isEqualTo(1);
        SimServer used = a1.requestCount() == 1 ? a1 : a2;
        // reported when the exchange completes, just after the client has its (broken) answer
        assertThat(gw.awaitMetric(1, "warden_upstream_responses_total", "upstream=\"127.0.0.1:" + used.port() + "\"", "outcome=\"failed\""))
                .isEqualTo(1);
    }

    @Test
    void aClientLeavingMidStreamCancelsTheUpstreamAtOnceAndSettlesWhatWasProduced() throws Exception {
        String body = "{\"model\":\"ha-model\",\"stream\":true,\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(gw.dataUrl("/v1/chat/completions")))
                .header("Authorization", bearer(gw.key("initech"))).header("Content-Type", "application/json")
                .header("X-Sim-Fault", "pace=4") // 40 tokens at 4 a second: 10 s if nobody leaves
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        int events = 0;
        while (events < 3) { // three tokens' worth, then the client goes away
            String line = lines.readLine();
            events += line != null && line.startsWith("data: ") ? 1 : 0;
        }
        long left = System.nanoTime();
        r.body().close();
        client.close();
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (a1.cutCount() + a2.cutCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(a1.cutCount() + a2.cutCount()).as("the upstream's answer was cut, not left running").isEqualTo(1);
        assertThat((System.nanoTime() - left) / 1e9).as("at once, not when the stream would have ended").isLessThan(2.0);

        UsageRecord row = gw.usageRow("initech", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.aborted()).isTrue();
        assertThat(row.outputTokens()).as("what was produced before the client left, not the 40 reserved").isBetween(1L, 12L);
    }

    @Test
    void garbageFromAnUpstreamIsACleanBadGateway() {
        HttpResponse<String> r = call("initech", "junk-model");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(r.body()).contains("\"code\":\"upstream_").doesNotContain("Exception").doesNotContain("at io.");
    }

    @Test
    void activeHealthChecksTakeAnUpstreamOutBeforeRequestsFailOnIt() throws Exception {
        String c1Label = "upstream=\"127.0.0.1:" + c1.port() + "\"";
        assertThat(gw.awaitMetric(1, "warden_upstream_healthy", "pool=\"checked\"", c1Label)).isEqualTo(1);
        c1.healthy(false);
        assertThat(gw.awaitMetric(0, "warden_upstream_healthy", "pool=\"checked\"", c1Label)).isZero();
        long before = c1.requestCount();
        for (int i = 0; i < 20; i++) {
            assertThat(call("initech", "checked-model").statusCode()).isEqualTo(200);
        }
        assertThat(c1.requestCount()).as("out of rotation").isEqualTo(before);
        c1.healthy(true);
        assertThat(gw.awaitMetric(1, "warden_upstream_healthy", "pool=\"checked\"", c1Label)).isEqualTo(1);
        for (int i = 0; i < 60 && c1.requestCount() == before; i++) {
            assertThat(call("initech", "checked-model").statusCode()).isEqualTo(200);
        }
        assertThat(c1.requestCount()).as("back in rotation").isGreaterThan(before);
    }

    @Test
    void idleUpstreamsShareTrafficByWeight() {
        long light0 = c1.requestCount();
        long heavy0 = c2.requestCount();
        for (int i = 0; i < 400; i++) {
            assertThat(call("initech", "weighted-model").statusCode()).isEqualTo(200);
        }
        double heavyShare = (c2.requestCount() - heavy0) / 400.0;
        assertThat(c1.requestCount() - light0 + c2.requestCount() - heavy0).isEqualTo(400);
        assertThat(heavyShare).as("weight 3 of 4").isBetween(0.68, 0.82);
    }

    @Test
    void theLeastLoadedUpstreamGetsTheNewRequests() throws Exception {
        a1.faults("delay=300"); // slow: its requests pile up
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> call("initech", "ha-model").statusCode(), pool));
            }
            for (CompletableFuture<Integer> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(a1.requestCount() + a2.requestCount()).isEqualTo(160);
        assertThat(a1.requestCount()).as("the slow upstream gets far fewer than half").isLessThan(40);
    }

    @Test
    void aModelWithNoUpstreamLeftFallsBackInRegionWithinItsReservationAndIsChargedTheFallbacksPrice() throws Exception {
        long pricey = c1.requestCount();
        HttpResponse<String> r = call("acme", "fb-primary");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Model")).as("the model that answered").hasValue("fb-cheap");
        assertThat(r.headers().firstValue("X-Upstream-Region")).as("the region the first model would have used").hasValue("eu");
        assertThat(c1.requestCount()).as("a fallback dearer than the reservation is skipped").isEqualTo(pricey);
        assertThat(b.requestCount()).as("a fallback in another region is skipped, though the tenant may use it").isZero();
        assertThat(a2.lastBody()).contains("\"model\":\"fb-cheap\"");
        assertThat(gw.metric("warden_upstream_fallbacks_total", "from=\"fb-primary\"", "to=\"fb-cheap\"")).isEqualTo(1);

        UsageRecord row = gw.usageRow("acme", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.model()).isEqualTo("fb-cheap");
        assertThat(row.costMicros()).as("the fallback's price")
                .isEqualTo(new Usage(row.inputTokens(), row.outputTokens()).costMicros(100, 300));

        // once its breaker is open, the fallback is taken at routing, before any attempt
        for (int i = 0; i < 6; i++) {
            assertThat(call("acme", "fb-primary").headers().firstValue("X-Model")).hasValue("fb-cheap");
        }
    }

    /** The ledger rows of one answer: (model, status) of every upstream call, in order. */
    private List<String> calls(HttpResponse<String> r) throws Exception {
        return gw.usageRows("acme", r.headers().firstValue("X-Request-ID").orElseThrow()).stream()
                .map(row -> row.model() + " " + row.status()).toList();
    }

    @Test
    void a429RestsItsUpstreamForItsRetryAfterAndTheRequestGoesElsewhere() throws Exception {
        busy.faults("status=429,retry-after=3");
        HttpResponse<String> r = call("acme", "fb-busy");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Model")).hasValue("fb-cheap");
        assertThat(calls(r)).as("each try is in the ledger").containsExactly("fb-busy 429", "fb-cheap 200");
        assertThat(gw.metric("warden_upstream_cooldowns_total", "pool=\"fbbusy\"")).isEqualTo(1);
        HttpResponse<String> again = call("acme", "fb-busy");
        assertThat(again.headers().firstValue("X-Model")).hasValue("fb-cheap");
        assertThat(busy.requestCount()).as("resting: the next request does not try it").isEqualTo(1);
        assertThat(calls(again)).containsExactly("fb-cheap 200");

        // a model with upstreams left is retried on another one of them (initech: eu only)
        a1.faults("status=429,retry-after=3");
        // the balancer picks between two idle upstreams: call until a1 has been asked (and answered 429)
        for (int i = 0; i < 20 && a1.requestCount() == 0; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(a1.requestCount()).as("asked once").isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            assertThat(call("initech", "ha-model").statusCode()).isEqualTo(200);
        }
        assertThat(a1.requestCount()).as("asked once, then left to rest").isEqualTo(1);
        assertThat(b.requestCount()).as("never another region").isZero();
    }

    @Test
    void a5xxOrAPromptOverTheContextWindowFallsBackToTheNextModel() throws Exception {
        broken.faults("status=500");
        HttpResponse<String> r = call("acme", "fb-broken");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(calls(r)).containsExactly("fb-broken 500", "fb-cheap 200");

        small.faults("context-exceeded");
        HttpResponse<String> big = call("acme", "fb-small");
        assertThat(big.statusCode()).as(big.body()).isEqualTo(200);
        assertThat(big.headers().firstValue("X-Model")).hasValue("fb-cheap");
        assertThat(calls(big)).containsExactly("fb-small 400", "fb-cheap 200");

        // without a next model the upstream's answer is the client's
        a1.faults("context-exceeded");
        a2.faults("context-exceeded");
        HttpResponse<String> alone = call("initech", "ha-model");
        assertThat(alone.statusCode()).isEqualTo(400);
        assertThat(alone.body()).contains("maximum context length");
    }

    @Test
    void theRetryBudgetBoundsRetries() {
        int failed = 0;
        for (int i = 0; i < 30; i++) {
            int status = call("initech", "nobudget-model").statusCode();
            assertThat(status).isIn(200, 502);
            failed += status == 502 ? 1 : 0;
        }
        assertThat(failed).as("requests sent to the dead upstream were not retried: the budget is empty").isPositive();
        assertThat(gw.metric("warden_upstream_retries_refused_total", "pool=\"nobudget\"")).isEqualTo(failed);
        assertThat(gw.metric("warden_upstream_retries_total", "pool=\"nobudget\"")).isZero();
    }
}
