package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.Budget;
import dev.warden.pipeline.Usage;
import dev.warden.record.TenantSpend;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
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
 * A hard budget is never overspent, however many requests run at once: each reserves its worst
 * case at admission and settles its real cost when it ends; past the budget, 429
 * {@code budget_exhausted} with nothing forwarded. Shadow budgets refuse nothing.
 */
class BudgetEnforcementTest {
    private TestGateway gw;

    /** The {@code limiter:} block of the config: none here (the local store); the redis variant adds its own. */
    String limiter() {
        return "";
    }

    @BeforeEach
    void start() throws Exception {
        String limiter = limiter();
        gw = new TestGateway(yaml -> limiter + yaml, Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private void budget(String tenant, long limitMicros, boolean enforced) throws InterruptedException {
        HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/" + tenant + "/settings/budgets"),
                "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":" + limitMicros + ",\"hard\":true,\"enforced\":" + enforced + "}]}",
                "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Thread.sleep(300); // the settings reach the replica's state
    }

    private long spentToday(String tenant) throws Exception {
        gw.ledger.flush(5_000);
        long dayStart = Budget.Period.DAY.startMs(System.currentTimeMillis());
        return gw.store.ledger().spend(dayStart, dayStart + 86_400_000L).stream().filter(s -> s.tenantId().equals(tenant))
                .mapToLong(TenantSpend::costMicros).sum();
    }

    @Test
    void concurrentStreamsNeverSpendPastAHardBudget() throws Exception {
        budget("acme", 300, true);
        String body = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (int i = 0; i < 64; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), body,
                        "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "pace=100"), pool));
            }
            int ok = 0;
            int exhausted = 0;
            for (var c : calls) {
                HttpResponse<String> r = c.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.body()).contains("\"code\":\"budget_exhausted\"");
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    exhausted++;
                }
            }
            long spent = spentToday("acme");
            assertThat(spent).as("spend within the hard budget, whatever the concurrency").isLessThanOrEqualTo(300);
            assertThat(ok).as("the budget was used, not refused outright").isGreaterThanOrEqualTo(300 / 20);
            assertThat(exhausted).isPositive();
            assertThat(gw.metric("warden_admission_refusals_total", "code=\"budget_exhausted\"", "mode=\"enforced\"")).isEqualTo(exhausted);
            gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);
            // the last settlements land as the exchanges complete (on the redis store, the view is
            // what its settle answers and its read each second say): give them a moment
            JsonNode view = null;
            for (long deadline = System.nanoTime() + 3_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
                view = new ObjectMapper().readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/spend"),
                        "Authorization", bearer(gw.adminToken)).body()).path("budgets").get(0);
                if (view.path("reservedMicros").asLong() == 0) {
                    break;
                }
            }
            assertThat(view.path("reservedMicros").asLong()).as("nothing in flight any more").isZero();
            assertThat(view.path("availableMicros").asLong()).isEqualTo(300 - spent);
        } finally {
            pool.shutdownNow();
        }
        // another tenant's budget is its own
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), Http.chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void spendBeforeTheProcessKnewTheBudgetCountsAndShadowBudgetsRefuseNothing() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[]}",
                    "Authorization", bearer(gw.key("acme"))).statusCode()).isEqualTo(200);
        }
        long before = spentToday("acme");
        assertThat(before).isPositive();
        budget("acme", before + 5, true); // what was spent already leaves room for no 20-micro request
        long upstream = gw.upstreamRequests();
        HttpResponse<String> refused = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(gw.upstreamRequests()).isEqualTo(upstream);
        gw.assertAudited(refused);

        budget("acme", before + 5, false);
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[]}",
                "Authorization", bearer(gw.key("acme"))).statusCode()).as("shadow: counted, not refused").isEqualTo(200);
        assertThat(gw.metric("warden_admission_refusals_total", "code=\"budget_exhausted\"", "mode=\"shadow\"")).isEqualTo(1);
    }

    @Test
    void anAnswerThatReportsNoUsageIsChargedWhatItProducedCountedFromItsText() throws Exception {
        budget("acme", 1_000_000, true);
        // gpt-sim names no encoding: a current model's, o200k_base
        com.knuddels.jtokkit.api.Encoding o200k = com.knuddels.jtokkit.Encodings.newDefaultEncodingRegistry()
                .getEncoding(com.knuddels.jtokkit.api.EncodingType.O200K_BASE);
        ObjectMapper json = new ObjectMapper();
        for (boolean stream : new boolean[] {false, true}) {
            String body = "{\"model\":\"gpt-sim\",\"max_tokens\":40,\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("acme")),
                    "X-Sim-Fault", "no-usage");
            assertThat(r.statusCode()).isEqualTo(200);
            StringBuilder text = new StringBuilder(); // what the client got: the model's text
            if (stream) {
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("data: {")) {
                        text.append(json.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content").asText(""));
                    }
                }
            } else {
                text.append(json.readTree(r.body()).path("choices").path(0).path("message").path("content").asText());
            }
            assertThat(text).as("the sim answered with text").isNotEmpty();
            // the ledger row is queued as the exchange completes, just after the client's last byte
            List<UsageRecord> rows = List.of();
            for (long deadline = System.nanoTime() + 5_000_000_000L; rows.size() < (stream ? 2 : 1) && System.nanoTime() < deadline;
                 Thread.sleep(20)) {
                gw.ledger.flush(5_000);
                rows = gw.store.ledger().usage("acme", 0, Long.MAX_VALUE);
            }
            assertThat(rows).hasSize(stream ? 2 : 1);
            UsageRecord last = rows.get(rows.size() - 1);
            assertThat(last.outputTokens()).as("stream=%s: the output counted from the text relayed, in the model's encoding", stream)
                    .isEqualTo(o200k.countTokens(text.toString()));
            assertThat(last.inputTokens()).as("the prompt admission counted").isPositive();
            assertThat(last.costMicros()).as("charged at the model's prices")
                    .isEqualTo(new Usage(last.inputTokens(), last.outputTokens()).costMicros(500, 1500));
        }
        // the budget is charged the same figures as the ledger
        gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);
        var view = new ObjectMapper().readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/spend"),
                "Authorization", bearer(gw.adminToken)).body()).path("budgets").get(0);
        assertThat(view.path("spentMicros").asLong()).isEqualTo(spentToday("acme"));
    }

    @Test
    void anAnswerWithoutUsageForATenantNothingChargesByTokensRecordsTheCountedPrompt() throws Exception {
        // globex: no token rate, quota or budget, no pool seats: admission reserved a bound of the prompt, not its count
        String messages = "[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"naïve café, 日本語 🙂\"}]";
        String body = "{\"model\":\"gpt-sim\",\"max_tokens\":20,\"messages\":" + messages + "}";
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("globex")),
                "X-Sim-Fault", "no-usage");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        UsageRecord row = gw.usageRow("globex", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.inputTokens()).as("the prompt's count in the model's encoding, not the bound")
                .isEqualTo(new dev.warden.admission.TokenCounter("o200k_base").chat(new ObjectMapper().readTree(messages), null));
    }

    @Test
    void aDailyTokenQuotaIsReservedLikeABudget() throws Exception {
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/globex/settings/overrides"), "{\"dailyTokens\":300}",
                "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300);
        // each call's worst case: 9 prompt tokens + globex's tier cap of 50; each really uses about 51
        String body = "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        for (int i = 0; i < 8; i++) {
            last = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("globex")));
            statuses.add(last.statusCode());
        }
        assertThat(statuses.subList(0, 5)).containsOnly(200);
        assertThat(statuses.subList(5, 8)).containsOnly(429);
        assertThat(last.body()).contains("\"code\":\"quota_exhausted\"");
        gw.ledger.flush(5_000);
        long dayStart = Budget.Period.DAY.startMs(System.currentTimeMillis());
        long used = gw.store.ledger().spend(dayStart, dayStart + 86_400_000L).stream().filter(x -> x.tenantId().equals("globex"))
                .mapToLong(x -> x.inputTokens() + x.outputTokens()).sum();
        assertThat(used).isLessThanOrEqualTo(300);
    }

    @Test
    void aPacedTenantSlowsDownWhenItsBudgetIsProjectedToRunOutEarly() throws Exception {
        try (TestGateway paced = new TestGateway(yaml -> yaml.replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                "gold: { description: \"top\", maxOutputTokens: 0, limits: { pacing: true } }"), Databases.fresh(Databases.Kind.SQLITE))) {
            String body = "{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            for (int i = 0; i < 5; i++) {
                assertThat(Http.post(paced.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(paced.key("acme"))).statusCode())
                        .isEqualTo(200);
            }
            paced.ledger.flush(5_000);
            // a month budget with 100 micros left, at the last hour's ~80 an hour: it runs out within hours, not at month end
            long monthStart = Budget.Period.MONTH.startMs(System.currentTimeMillis());
            long spent = paced.store.ledger().spend(monthStart, monthStart + 40L * 86_400_000L).stream()
                    .filter(x -> x.tenantId().equals("acme")).mapToLong(TenantSpend::costMicros).sum();
            HttpResponse<String> put = Http.call("PUT", paced.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                    "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":" + (spent + 100) + ",\"hard\":true}]}",
                    "Authorization", bearer(paced.adminToken));
            assertThat(put.statusCode()).isEqualTo(200);
            Thread.sleep(300);
            paced.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);
            // paced to what is left spread over the rest of the month: a first request, then a wait
            assertThat(Http.post(paced.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(paced.key("acme"))).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> slowed = Http.post(paced.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(paced.key("acme")));
            assertThat(slowed.statusCode()).isEqualTo(429);
            assertThat(slowed.headers().firstValue("Retry-After")).isPresent();
            assertThat(slowed.headers().allValues("RateLimit").toString()).contains("budget-pacing");
            paced.assertAudited(slowed);
        }
    }
}
