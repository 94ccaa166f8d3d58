package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job's money is held on the same hard budgets as its tenant's requests: its worst case is
 * reserved when it is admitted (a job that would pass the budget is refused, and so are requests
 * while a job holds what is left), and what it did not use comes back when it ends.
 */
class JobBudgetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One micro-unit per GPU-millisecond. */
    private static final long PRICE_PER_GPU_HOUR = 3_600_000;

    TestGateway gw;
    private String storeUrl;

    /** The {@code limiter:} block of the config: none here (the local store); the redis variant adds its own. */
    String limiter() {
        return "";
    }

    @BeforeEach
    void start() throws Exception {
        storeUrl = Databases.fresh(Databases.Kind.SQLITE);
        gw = gateway();
    }

    private TestGateway gateway() throws Exception {
        return gateway(limiter());
    }

    /** A replica over this test's control store, with {@code limiter} as its limiter block. */
    TestGateway gateway(String limiter) throws Exception {
        return gateway(limiter, java.util.function.UnaryOperator.identity());
    }

    /** The same, its config further edited by {@code edit} (a replica of another: the same upstreams). */
    TestGateway gateway(String limiter, java.util.function.UnaryOperator<String> edit) throws Exception {
        return new TestGateway(yaml -> limiter + edit.apply(yaml)
                .replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 4, pricePerGpuHour: "
                        + PRICE_PER_GPU_HOUR + " }\n    upstreams:")
                .replace("pools:\n", "jobs: { tokenLifetimeSeconds: 2, renewEveryMs: 300 }\npools:\n"), storeUrl);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private void budget(long monthMicros) throws InterruptedException {
        HttpResponse<String> set = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":" + monthMicros + "}]}", "Authorization", bearer(gw.adminToken));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        Thread.sleep(300); // the settings reach the snapshot
    }

    private HttpResponse<String> job(int gpus, String maxHours) {
        return Http.post(gw.dataUrl("/api/v1/tenants/acme/jobs"), "{\"model\":\"gpt-sim\",\"kind\":\"training\",\"params\":"
                + "{\"durationMs\":60000},\"resources\":{\"gpus\":" + gpus + ",\"maxHours\":" + maxHours + "}}",
                "Authorization", bearer(gw.key("acme")));
    }

    /** A chat call whose worst case is 150+ micro-units (100 output tokens at 1.5 per token, and its prompt). */
    private HttpResponse<String> chat() {
        return Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", bearer(gw.key("acme")));
    }

    @Test
    void aJobsWorstCaseIsHeldOnTheBudgetItsRequestsShareAndWhatItDidNotUseComesBack() throws Exception {
        budget(7300);

        // 2 GPUs x 3.6 s = 7,200 micro-units reserved of 7,300
        HttpResponse<String> first = job(2, "0.001");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        String firstId = JSON.readTree(first.body()).path("id").asText();

        HttpResponse<String> second = job(1, "0.001");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
        assertThat(second.body()).contains("\"code\":\"budget_exhausted\"");
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
        gw.assertAudited(second);
        HttpResponse<String> request = chat();
        assertThat(request.statusCode()).as("the job holds what the request would need").isEqualTo(429);
        assertThat(request.body()).contains("\"code\":\"budget_exhausted\"");

        // the job ends after ~0.3 s: charged what it held, the rest of its 7,200 comes back
        Thread.sleep(300);
        HttpResponse<String> cancel = Http.post(gw.dataUrl("/api/v1/tenants/acme/jobs/" + firstId + "/cancel"), "",
                "Authorization", bearer(gw.key("acme")));
        JsonNode ended = JSON.readTree(cancel.body());
        long charged = ended.path("usage").path("cost_micros").asLong();
        assertThat(charged).isBetween(600L, 3_000L);
        assertThat(chat().statusCode()).as("the refund made room").isEqualTo(200);
        assertThat(job(1, "0.001").statusCode()).as("3,600 more fits beside what was spent").isEqualTo(201);
        assertThat(job(1, "0.001").statusCode()).as("and then no more").isEqualTo(429);
    }

    @Test
    void aReplicaThatStartsWhileAJobRunsCountsWhatTheJobHolds() throws Exception {
        budget(7300);
        assertThat(job(2, "0.001").statusCode()).isEqualTo(201);
        // another replica over the same control store, started now: its budget accounts are new
        try (TestGateway other = gateway()) {
            HttpResponse<String> request = Http.post(other.dataUrl("/v1/chat/completions"),
                    "{\"model\":\"gpt-sim\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "Authorization", bearer(other.key("acme")));
            assertThat(request.statusCode()).as(request.body()).isEqualTo(429);
            assertThat(request.body()).contains("\"code\":\"budget_exhausted\"");
        }
    }

    @Test
    void aBudgetLoweredBelowWhatARunningJobSpentStopsItToldWhy() throws Exception {
        budget(7300);
        HttpResponse<String> created = job(2, "0.001");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = JSON.readTree(created.body()).path("id").asText();
        Thread.sleep(1000); // ~2,000 micro-units charged by its worker's reports
        budget(500);
        gw.controlPlane.evaluateAlerts().await(5, java.util.concurrent.TimeUnit.SECONDS);
        long deadline = System.currentTimeMillis() + 5_000;
        JsonNode view;
        do {
            Thread.sleep(100);
            view = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/acme/jobs/" + id), "Authorization", bearer(gw.key("acme"))).body());
        } while (view.path("status").asText().equals("running") && System.currentTimeMillis() < deadline);
        assertThat(view.path("status").asText()).as("stopped at its next renewal").isEqualTo("failed");
        assertThat(view.path("stop_reason").asText()).isEqualTo("budget_exhausted");
        assertThat(gw.awaitAudit(r -> r.event().action().equals("job.renew") && r.event().decision().equals("deny")
                && r.event().detail() != null && r.event().detail().contains(id))).isNotEmpty();
    }
}
