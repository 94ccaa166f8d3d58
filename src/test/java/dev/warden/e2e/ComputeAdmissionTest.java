package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admission.CostEstimator;
import dev.warden.config.ModelConfig;
import dev.warden.config.Price;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.config.TierConfig;
import dev.warden.exchange.RequestBody;
import dev.warden.pipeline.Operation;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Compute-aware admission over real HTTP: a tier's {@code computeUnitsPerMinute} admits N times
 * the requests of a model weighted 1 as of one weighted N (the same request, the same limit); a
 * predict call costs its model's declared compute and price, is reserved on the tenant's budget
 * like any call, and is written to the ledger with them.
 */
class ComputeAdmissionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"%s\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final int WEIGHT = 4;
    /** Light-model requests the burst holds: the heavy model gets a quarter of them. */
    private static final int LIGHT_REQUESTS = 40;
    private TestGateway gw;
    private long burst;

    /** The {@code limiter:} block of the config: none here (the local store); the redis variant adds its own. */
    String limiter() {
        return "";
    }

    @BeforeEach
    void start() throws Exception {
        String limiter = limiter();
        // a burst of 600 s: what flows back during the test is a small fraction of one request
        burst = LIGHT_REQUESTS * worstTokens();
        long perMinute = burst / 10;
        gw = new TestGateway(yaml -> limiter + yaml
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: { computeUnitsPerMinute: " + perMinute
                                + ", burstSeconds: 600 } }")
                .replace("  us-only: { pool: us-pool }", "  us-only: { pool: us-pool }\n"
                        + "  light: { pool: main, upstreamName: gpt-sim }\n"
                        + "  heavy: { pool: main, upstreamName: gpt-sim, computeWeight: " + WEIGHT + " }")
                .replace("models: [gpt-sim, embed-sim]", "models: [gpt-sim, embed-sim, light, heavy]")
                .replace("models: [echo, gpt-sim, us-only]", "models: [echo, gpt-sim, us-only, light, heavy]"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    /** The worst case admission reserves for {@link #CHAT}: the prompt in the model's encoding and the 10-token cap. */
    private static long worstTokens() throws Exception {
        ModelConfig model = new ModelConfig("light", "main", "gpt-sim", "cl100k_base", 256, 4096, Price.FREE, 1, null, 128_000, null);
        Tenant tenant = new Tenant("t", new TierConfig("basic", "", 50), true, Set.of(), Set.of("light"), TenantStatus.ACTIVE);
        RequestBody body = RequestBody.of((ObjectNode) JSON.readTree(CHAT.formatted("light")));
        var e = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body, model, tenant).estimate();
        return e.inputTokens() + e.outputTokens();
    }

    /** {@code n} requests at once, each answered after 1.5 s (none settles before all are decided): how many got in. */
    private int admittedAtOnce(String tenant, String model, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), CHAT.formatted(model),
                        "Authorization", bearer(gw.key(tenant)), "X-Sim-Fault", "delay=1500"), pool));
            }
            int admitted = 0;
            for (var c : calls) {
                HttpResponse<String> r = c.get();
                if (r.statusCode() == 200) {
                    admitted++;
                    assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"tenant-compute\";q=" + burst + ";w=600");
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                    assertThat(r.body()).contains("\"code\":\"rate_limited\"");
                    gw.assertAudited(r);
                }
            }
            return admitted;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSameComputeLimitAdmitsNTimesTheRequestsOfAModelWeightedN() throws Exception {
        int light = admittedAtOnce("globex", "light", LIGHT_REQUESTS + 6);
        int heavy = admittedAtOnce("initech", "heavy", LIGHT_REQUESTS / WEIGHT + 6);
        assertThat(light).isEqualTo(LIGHT_REQUESTS);
        assertThat(heavy).as("a model weighted %d takes %d times the compute", WEIGHT, WEIGHT).isEqualTo(LIGHT_REQUESTS / WEIGHT);
        assertThat(gw.metric("warden_admission_refusals_total", "code=\"rate_limited\"", "mode=\"enforced\"")).isEqualTo(6 + 6);
        // settled: the sim counts the prompt as fewer tokens than the worst case reserved, and the
        // difference (times the weight) came back, room for another heavy request
        HttpResponse<String> after = Http.post(gw.dataUrl("/v1/chat/completions"), CHAT.formatted("heavy"),
                "Authorization", bearer(gw.key("initech")));
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"tenant-compute\";r=");
    }

    @Test
    void theLedgerRecordsEachRequestsComputeUnitsAtItsModelsWeight() throws Exception {
        HttpResponse<String> heavy = Http.post(gw.dataUrl("/v1/chat/completions"), CHAT.formatted("heavy"),
                "Authorization", bearer(gw.key("globex")));
        assertThat(heavy.statusCode()).as(heavy.body()).isEqualTo(200);
        UsageRecord row = gw.usageRow("globex", heavy.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.outputTokens()).isEqualTo(10);
        assertThat(row.computeUnits()).isEqualTo(WEIGHT * (row.inputTokens() + row.outputTokens()));
        HttpResponse<String> light = Http.post(gw.dataUrl("/v1/chat/completions"), CHAT.formatted("light"),
                "Authorization", bearer(gw.key("globex")));
        UsageRecord lightRow = gw.usageRow("globex", light.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(lightRow.computeUnits()).isEqualTo(lightRow.inputTokens() + lightRow.outputTokens());
        String report = Http.get(gw.adminUrl("/admin/v1/tenants/globex/usage?groupBy=model&format=csv"),
                "Authorization", bearer(gw.adminToken)).body();
        assertThat(report).startsWith("group,requests,input_tokens,output_tokens,compute_units,gpu_ms,cost_micros\n")
                .contains("heavy,1," + row.inputTokens() + ",10," + row.computeUnits() + ",");
    }

    @Test
    void aPredictCallCostsItsModelsDeclaredComputeAndPriceAndSpendsTheBudget() throws Exception {
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":1200,\"hard\":true}]}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300); // the settings reach the replica's state
        String twoRows = "{\"instances\":[[1.0,2.0],[3.0,4.0]]}"; // scorer: 300 a call + 100 an item; 5 compute units a call
        HttpResponse<String> first = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), twoRows,
                "Authorization", bearer(gw.key("acme")));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        UsageRecord row = gw.usageRow("acme", first.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.operation()).isEqualTo("predict");
        assertThat(row.costMicros()).as(row.toString()).isEqualTo(500);
        assertThat(row.computeUnits()).isEqualTo(5);
        HttpResponse<String> second = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), twoRows,
                "Authorization", bearer(gw.key("acme")));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        long before = gw.upstreamRequests();
        HttpResponse<String> third = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), twoRows,
                "Authorization", bearer(gw.key("acme")));
        assertThat(third.statusCode()).as("1,000 spent + 500 > 1,200").isEqualTo(429);
        assertThat(third.body()).contains("\"code\":\"budget_exhausted\"");
        assertThat(gw.upstreamRequests()).isEqualTo(before);

        HttpResponse<String> unpriced = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/gpt-sim/predict"), "{}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(unpriced.statusCode()).as("a model without a predict cost has no predict route").isEqualTo(400);
        assertThat(unpriced.body()).contains("\"code\":\"operation_unsupported\"");
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }
}
