package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The usage ledger: one row per upstream call, its sums equal what the upstream reported, reports by group. */
class UsageLedgerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String body(String model, String prompt, int maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void theControlStoresConnectionPoolIsAMetric(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        try (TestGateway gw = new TestGateway(yaml -> yaml, url)) {
            String scrape = Http.get(gw.adminUrl("/metrics")).body();
            int max = kind == Databases.Kind.SQLITE ? 4 : 8;
            assertThat(scrape).contains("warden_store_connections{state=\"max\"} " + max + ".0",
                    "warden_store_connections{state=\"waiting\"} 0.0", "warden_store_connections{state=\"active\"}",
                    "warden_store_connections{state=\"idle\"}");
        } finally {
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void theLedgerAddsUpToWhatTheUpstreamReportedAndLosesNothingAtShutdown(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        TestGateway gw = new TestGateway(yaml -> yaml, url);
        try {
            long expectedIn = 0;
            long expectedOut = 0;
            long expectedCost = 0;
            int served = 0;
            for (int i = 1; i <= 12; i++) {
                boolean stream = i % 3 == 0;
                String prompt = "word ".repeat(i).strip();
                HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), body("gpt-sim", prompt, i, stream),
                        "Authorization", bearer(gw.key("acme")));
                assertThat(r.statusCode()).isEqualTo(200);
                served++;
                expectedIn += i;          // the sim counts one token per word
                expectedOut += i;         // and answers max_tokens tokens
                expectedCost += Math.ceilDiv(i * 500L + i * 1500L, 1000L);
                if (!stream) {
                    JsonNode usage = JSON.readTree(r.body()).path("usage");
                    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(i);
                }
            }
            // refused requests use nothing and leave no row
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), body("echo", "x", 1, false), "Authorization",
                    bearer(gw.key("globex"))).statusCode()).isEqualTo(403);
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), body("gpt-sim", "x", 1, false), "Authorization",
                    bearer("nope")).statusCode()).isEqualTo(401);
            gw.ledger.close(); // graceful stop: everything queued is written
            List<UsageRecord> rows = gw.store.ledger().usage("acme", 0, Long.MAX_VALUE);
            assertThat(rows).hasSize(served);
            assertThat(rows.stream().mapToLong(UsageRecord::inputTokens).sum()).isEqualTo(expectedIn);
            assertThat(rows.stream().mapToLong(UsageRecord::outputTokens).sum()).isEqualTo(expectedOut);
            assertThat(rows.stream().mapToLong(UsageRecord::costMicros).sum()).isEqualTo(expectedCost);
            assertThat(rows).allSatisfy(u -> {
                assertThat(u.model()).isEqualTo("gpt-sim");
                assertThat(u.status()).isEqualTo(200);
                assertThat(u.region()).isIn("eu", "us");
                assertThat(u.keyId()).isNotBlank();
            });
            assertThat(gw.store.ledger().usage("globex", 0, Long.MAX_VALUE)).isEmpty();
        } finally {
            gw.close();
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Databases.Kind.class, names = "SQLITE")
    void reportsGroupByModelAndKeyInJsonAndCsv(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        TestGateway gw = new TestGateway(yaml -> yaml, url);
        try {
            for (int i = 0; i < 3; i++) {
                Http.post(gw.dataUrl("/v1/chat/completions"), body("gpt-sim", "a b", 4, false), "Authorization", bearer(gw.key("acme")));
            }
            Http.post(gw.dataUrl("/v1/chat/completions"), body("echo", "a", 4, false), "Authorization", bearer(gw.key("acme")));
            assertThat(gw.ledger.flush(5000)).isTrue();
            String admin = bearer(gw.adminToken);
            JsonNode byModel = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=model"), "Authorization", admin).body());
            assertThat(byModel.path("rows").findValuesAsText("group")).containsExactly("echo", "gpt-sim");
            assertThat(byModel.path("rows").get(1).path("requests").asLong()).isEqualTo(3);
            assertThat(byModel.path("rows").get(1).path("outputTokens").asLong()).isEqualTo(12);
            assertThat(byModel.path("total").path("requests").asLong()).isEqualTo(4);
            HttpResponse<String> csv = Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=day&format=csv"), "Authorization", admin);
            assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
            assertThat(csv.body().lines().toList()).first().isEqualTo("group,requests,input_tokens,output_tokens,compute_units,gpu_ms,cost_micros");
            assertThat(csv.body()).contains("\ntotal,4,");
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=week"), "Authorization", admin).statusCode()).isEqualTo(400);
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage?from=yesterday"), "Authorization", admin).statusCode()).isEqualTo(400);
            assertThat(Http.get(gw.adminUrl("/admin/v1/tenants/nobody/usage"), "Authorization", admin).statusCode()).isEqualTo(404);
        } finally {
            gw.close();
            Databases.drop(url);
        }
    }
}
