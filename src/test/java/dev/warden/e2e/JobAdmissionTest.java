package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.record.AuditRecord;
import dev.warden.record.UsageRecord;
import dev.warden.sim.SimJobs;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs admitted and metered over real HTTP: a job asks for GPUs and a longest run; it starts when
 * its pool's job GPUs allow, in the fair order between tenants (not arrival order), waits with a
 * position and an estimated start, is charged what its worker reports (never more than it held),
 * with ledger rows and audit events, is stopped at its longest run, and is refused when it could
 * never fit or would take its tenant past its GPU-hours.
 */
class JobAdmissionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 3.6 units per GPU-hour x 10^6: one micro-unit per GPU-millisecond, so costs read as GPU time. */
    private static final long PRICE_PER_GPU_HOUR = 3_600_000;

    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml
                .replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 4, pricePerGpuHour: "
                        + PRICE_PER_GPU_HOUR + ", maxHoursPerJob: 1 }\n    upstreams:")
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }", """
                        basic: { description: "small", maxOutputTokens: 50 }
                          metered: { description: "m", jobs: { maxGpus: 2, gpuHoursPerDay: 0.002 } }""")
                .replace("  initech:\n    tier: basic", "  initech:\n    tier: metered")
                .replace("pools:\n", "jobs: { tokenLifetimeSeconds: 2, renewEveryMs: 300, maxActivePerTenant: 5 }\npools:\n"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> create(String tenant, int gpus, String maxHours, long durationMs) {
        return Http.post(gw.dataUrl("/api/v1/tenants/" + tenant + "/jobs"), "{\"model\":\"gpt-sim\",\"kind\":\"training\",\"params\":"
                + "{\"durationMs\":" + durationMs + "},\"resources\":{\"gpus\":" + gpus + ",\"maxHours\":" + maxHours + "}}",
                "Authorization", bearer(gw.key(tenant)));
    }

    private JsonNode created(String tenant, int gpus, String maxHours, long durationMs) throws Exception {
        HttpResponse<String> r = create(tenant, gpus, maxHours, durationMs);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    private JsonNode job(String tenant, String id) throws Exception {
        HttpResponse<String> r = Http.get(gw.dataUrl("/api/v1/tenants/" + tenant + "/jobs/" + id), "Authorization", bearer(gw.key(tenant)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode awaitJob(String tenant, String id, Predicate<JsonNode> condition, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        JsonNode last = null;
        while (System.currentTimeMillis() < end) {
            last = job(tenant, id);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " did not get there in " + timeoutMs + " ms: " + last);
    }

    private SimJobs.Job worker(String jobId) {
        SimJobs.Job j = gw.eu.jobs().byWardenId(jobId);
        return j != null ? j : gw.us.jobs().byWardenId(jobId);
    }

    private static String id(JsonNode job) {
        return job.path("id").asText();
    }

    @Test
    void freedGpusGoToTheTenantThatHadLeastNotToTheFirstInLineAndEachJobIsChargedWhatItRan() throws Exception {
        JsonNode a1 = created("acme", 4, "0.01", 1500);
        assertThat(a1.path("status").asText()).as("the pool's 4 job GPUs were free").isEqualTo("running");
        assertThat(a1.path("resources").path("gpus").asInt()).isEqualTo(4);
        JsonNode a2 = created("acme", 4, "0.01", 60_000);
        assertThat(a2.path("status").asText()).isEqualTo("queued");
        assertThat(a2.path("queue").path("position").asInt()).isEqualTo(1);
        long a1End = a1.path("started_at").asLong() + 36;
        assertThat(a2.path("queue").path("estimated_start_at").asLong()).as("when A1 may run until, at the latest").isBetween(a1End - 1, a1End + 1);

        JsonNode g1 = created("globex", 4, "0.01", 60_000);
        assertThat(g1.path("status").asText()).isEqualTo("queued");
        assertThat(g1.path("queue").path("position").asInt()).as("globex has had nothing: it goes before acme's second").isEqualTo(1);
        assertThat(job("acme", id(a2)).path("queue").path("position").asInt()).isEqualTo(2);
        assertThat(job("acme", id(a2)).path("queue").path("estimated_start_at").asLong()).isBetween(a1End + 35, a1End + 37);

        // A1's worker finishes after 1.5 s and says so: its 4 GPUs go to globex, not to acme's older job
        JsonNode g1Running = awaitJob("globex", id(g1), j -> j.path("status").asText().equals("running"), 10_000);
        assertThat(g1Running.has("queue")).isFalse();
        JsonNode a1Done = job("acme", id(a1));
        assertThat(a1Done.path("status").asText()).isEqualTo("succeeded");
        assertThat(job("acme", id(a2)).path("status").asText()).isEqualTo("queued");
        assertThat(job("acme", id(a2)).path("queue").path("position").asInt()).isEqualTo(1);

        // the platform's view of the pool: its job GPUs held and asked
        gw.controlPlane.evaluateAlerts().await(5, java.util.concurrent.TimeUnit.SECONDS);
        JsonNode pools = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/pools"), "Authorization", bearer(gw.adminToken)).body()).path("pools");
        JsonNode main = null;
        for (JsonNode p : pools) {
            main = p.path("pool").asText().equals("main") ? p : main;
        }
        assertThat(main).isNotNull();
        assertThat(main.path("jobs").path("gpus").asInt()).isEqualTo(4);
        assertThat(main.path("jobs").path("runningGpus").asInt()).isEqualTo(4);
        assertThat(main.path("jobs").path("queuedJobs").asInt()).isEqualTo(1);
        assertThat(main.path("saturationAt").isNull()).as("no seats declared").isTrue();

        // charged what the worker reported: 4 GPUs x ~1.5 s, within what it held; one ledger row per report, summing to it
        double gpuSeconds = a1Done.path("usage").path("gpu_seconds").asDouble();
        assertThat(gpuSeconds).isBetween(5.9, 6.6);
        List<UsageRecord> rows = gw.usageRows("acme", id(a1));
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.operation()).isEqualTo("job_training");
            assertThat(r.model()).isEqualTo("gpt-sim");
            assertThat(r.inputTokens() + r.outputTokens()).isZero();
            assertThat(r.costMicros()).as("one micro-unit per GPU-ms at this price").isEqualTo(r.gpuMs());
        });
        assertThat(rows.stream().mapToLong(UsageRecord::gpuMs).sum()).isEqualTo(Math.round(gpuSeconds * 1000));
        assertThat(rows.stream().mapToLong(UsageRecord::costMicros).sum()).isEqualTo(a1Done.path("usage").path("cost_micros").asLong());

        // a queued job leaves the queue uncharged; a running one is charged what it held until its cancel
        HttpResponse<String> cancelQueued = Http.post(gw.dataUrl("/api/v1/tenants/acme/jobs/" + id(a2) + "/cancel"), "",
                "Authorization", bearer(gw.key("acme")));
        assertThat(cancelQueued.statusCode()).as(cancelQueued.body()).isEqualTo(200);
        assertThat(JSON.readTree(cancelQueued.body()).path("usage").path("gpu_seconds").asDouble()).isZero();
        assertThat(worker(id(a2))).as("a job cancelled in the queue never reached its job service").isNull();
        Thread.sleep(400);
        HttpResponse<String> cancelRunning = Http.post(gw.dataUrl("/api/v1/tenants/globex/jobs/" + id(g1) + "/cancel"), "",
                "Authorization", bearer(gw.key("globex")));
        assertThat(cancelRunning.statusCode()).as(cancelRunning.body()).isEqualTo(200);
        JsonNode g1Done = JSON.readTree(cancelRunning.body());
        assertThat(g1Done.path("status").asText()).isEqualTo("cancelled");
        long held = (g1Done.path("updated_at").asLong() - g1Done.path("started_at").asLong() + 1) * 4;
        assertThat(g1Done.path("usage").path("gpu_seconds").asDouble()).isPositive().isLessThanOrEqualTo(held);

        // the usage report counts jobs as GPU time and cost, not as requests
        long acmeGpuMs = gw.usageRows("acme", id(a1)).stream().mapToLong(UsageRecord::gpuMs).sum();
        JsonNode total = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage?groupBy=model"), "Authorization",
                bearer(gw.adminToken)).body()).path("total");
        assertThat(total.path("gpuMs").asLong()).isEqualTo(acmeGpuMs);
        assertThat(total.path("costMicros").asLong()).isEqualTo(acmeGpuMs);
        assertThat(total.path("requests").asLong()).isZero();

        List<AuditRecord> audit = gw.auditRecords();
        for (String job : List.of(id(a1), id(g1))) {
            assertThat(audit).as("each start is audited").anyMatch(r -> r.event().action().equals("job.start")
                    && r.event().decision().equals("allow") && r.event().detail().contains(job));
        }
        assertThat(audit).anyMatch(r -> r.event().action().equals("job.finish") && r.event().detail().contains(id(a1)));
    }

    @Test
    void aJobIsStoppedAtItsLongestRunAndChargedNoMore() throws Exception {
        // asks for 1.8 s, would work for a minute: its renewal past 1.8 s is refused and it stops, told why
        JsonNode j = created("acme", 2, "0.0005", 60_000);
        assertThat(j.path("status").asText()).isEqualTo("running");
        JsonNode done = awaitJob("acme", id(j), n -> n.path("status").asText().equals("failed"), 10_000);
        assertThat(done.path("stop_reason").asText()).isEqualTo("max_time_reached");
        assertThat(done.path("usage").path("gpu_seconds").asDouble()).as("2 GPUs x its 1.8 s, all of it and no more").isEqualTo(3.6);
        assertThat(done.path("usage").path("cost_micros").asLong()).isEqualTo(3_600);
        long deadline = System.currentTimeMillis() + 5_000;
        while (!worker(id(j)).status().equals("failed") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(worker(id(j)).stopReason()).isEqualTo("max_time_reached");
        assertThat(gw.usageRows("acme", id(j)).stream().mapToLong(UsageRecord::gpuMs).sum()).isEqualTo(3_600);
    }

    @Test
    void jobsThatCouldNeverFitOrWouldPassTheGpuHoursAreRefusedBeforeAnythingRuns() throws Exception {
        long before = gw.upstreamRequests();
        for (Object[] c : List.of(new Object[] {5, "0.001", "job_gpus_over_pool"}, new Object[] {3, "0.001", "job_gpus_over_tier"},
                new Object[] {1, "2", "job_too_long"})) {
            int mark = gw.auditMark();
            HttpResponse<String> r = create("initech", (int) c[0], (String) c[1], 1000);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("\"code\":\"job_too_large\"");
            assertThat(gw.assertOneNewDeny(mark, "job_too_large").reason()).isEqualTo("job_too_large:" + c[2]);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);

        // 0.002 GPU-hours a day = 7.2 GPU-seconds: one job of 2 GPUs x 3.6 s reserves all of it
        JsonNode first = created("initech", 2, "0.001", 60_000);
        HttpResponse<String> second = create("initech", 1, "0.001", 1000);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
        assertThat(second.body()).contains("\"code\":\"quota_exhausted\"").contains("GPU-hours per day");
        assertThat(second.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
                assertThat(Long.parseLong(v)).isBetween(1L, 86_400L));
        String requestId = second.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(gw.awaitAudit(r -> requestId.equals(r.event().requestId()))).singleElement() // the first job renews meanwhile
                .satisfies(r -> assertThat(r.event().reason()).isEqualTo("quota_exhausted:gpu_hours_exhausted:day"));

        // once the first has ended, what it really ran counts, not its worst case: 2 GPUs x ~0.5 s leaves room for 1 x 3.6 s
        Thread.sleep(500);
        HttpResponse<String> cancel = Http.post(gw.dataUrl("/api/v1/tenants/initech/jobs/" + id(first) + "/cancel"), "",
                "Authorization", bearer(gw.key("initech")));
        double used = JSON.readTree(cancel.body()).path("usage").path("gpu_seconds").asDouble();
        assertThat(used).isBetween(0.9, 2.5);
        assertThat(create("initech", 1, "0.001", 1000).statusCode()).isEqualTo(201);
        assertThat(create("initech", 1, "0.001", 1000).statusCode()).as("and then no more").isEqualTo(429);

        // the tenant's spend view forecasts its quota: used, and committed by the job still queued or running
        gw.controlPlane.evaluateAlerts().await(5, java.util.concurrent.TimeUnit.SECONDS);
        JsonNode quota = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/initech/spend"), "Authorization",
                bearer(gw.adminToken)).body()).path("gpuHours").get(0);
        assertThat(quota.path("period").asText()).isEqualTo("day");
        assertThat(quota.path("limitGpuHours").asDouble()).isEqualTo(0.002);
        assertThat(quota.path("usedGpuHours").asDouble()).as("the cancelled job's, and what the running one reported so far")
                .isBetween(used / 3600 - 0.000002, (used + 3.6) / 3600);
        assertThat(quota.path("committedGpuHours").asDouble()).as("+ the new job's 1 GPU x 3.6 s").isGreaterThan(0.0009);
    }
}
