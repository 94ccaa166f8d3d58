package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.app.Gateway;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.sim.SimJobs;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestIdp;
import java.net.http.HttpResponse;
import java.util.Date;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Long-running jobs over real HTTP: a job belongs to its tenant and owner (never to a token), its
 * worker renews its credential through Warden with the job's own secret for as long as the job
 * runs and its tenant and owner are in good standing, and stops within one renewal period when
 * they are not, told why. The sims verify every credential with Warden's JWKS.
 */
class JobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short credentials, so that a test job outlives ten of them in seconds. */
    private static final int LIFETIME_SECONDS = 2;
    private static final long RENEW_EVERY_MS = 400;

    private TestGateway gw;
    private TestIdp idp;

    @BeforeEach
    void start() throws Exception {
        idp = new TestIdp();
        gw = new TestGateway(yaml -> yaml
                .replace("  main:\n    upstreams:", "  main:\n    serviceTokens: true\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 4, pricePerGpuHour: 0 }\n    upstreams:")
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, maxStreamSeconds: 1 }")
                .replace("  us-pool:\n", "  dead:\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 4, pricePerGpuHour: 0 }\n    upstreams:\n      - { url: \"http://127.0.0.1:1\", region: eu }\n  us-pool:\n")
                .replace("  us-only: { pool: us-pool }", "  us-only: { pool: us-pool }\n  dead-model: { pool: dead }")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]", "models: [echo, gpt-sim, embed-sim, scorer, us-only, dead-model]")
                .replace("pools:\n", "jobs: { tokenLifetimeSeconds: %d, renewEveryMs: %d, maxActivePerTenant: 5 }\npools:\n"
                        .formatted(LIFETIME_SECONDS, RENEW_EVERY_MS)),
                Databases.fresh(Databases.Kind.SQLITE));
        for (var sim : List.of(gw.eu, gw.us)) {
            sim.requireServiceTokens(() -> gw.gateway.serviceTokens().publicKeys(), Gateway.SERVICE_TOKEN_ISSUER, "main");
        }
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        idp.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return Http.call(method, gw.adminUrl(path), body, "Authorization", bearer(gw.adminToken));
    }

    private String issueKey(String tenant, String role) throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/tenants/" + tenant + "/keys", "{\"role\":\"" + role + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).path("key").asText();
    }

    private static String keyId(String key) {
        return ApiKeyFormat.keyId(key);
    }

    private HttpResponse<String> createJob(String tenant, String credential, String body) {
        return Http.post(gw.dataUrl("/api/v1/tenants/" + tenant + "/jobs"), body, "Authorization", bearer(credential));
    }

    private JsonNode started(String tenant, String credential, long durationMs) throws Exception {
        HttpResponse<String> r = createJob(tenant, credential,
                "{\"model\":\"gpt-sim\",\"kind\":\"training\",\"params\":{\"durationMs\":" + durationMs + "}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode job = JSON.readTree(r.body());
        assertThat(r.headers().firstValue("Location")).hasValue("/api/v1/tenants/" + tenant + "/jobs/" + job.path("id").asText());
        return job;
    }

    private HttpResponse<String> getJob(String tenant, String credential, String id) {
        return Http.get(gw.dataUrl("/api/v1/tenants/" + tenant + "/jobs/" + id), "Authorization", bearer(credential));
    }

    /** The sim-side worker of a Warden job (whichever region's sim runs it). */
    private SimJobs.Job worker(String jobId) {
        SimJobs.Job j = gw.eu.jobs().byWardenId(jobId);
        return j != null ? j : gw.us.jobs().byWardenId(jobId);
    }

    private SimJobs.Job awaitWorker(String jobId, Predicate<SimJobs.Job> condition, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            SimJobs.Job j = worker(jobId);
            if (j != null && condition.test(j)) {
                return j;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + jobId + " did not reach the expected state in " + timeoutMs + " ms: "
                + (worker(jobId) == null ? "no worker" : worker(jobId).status() + "/" + worker(jobId).stopReason()));
    }

    private String idpToken(String subject, long lifetimeSeconds) throws Exception {
        long now = System.currentTimeMillis();
        return idp.sign(idp.claims(subject, "warden").claim("roles", List.of("developer"))
                .issueTime(new Date(now)).expirationTime(new Date(now + lifetimeSeconds * 1000)).build());
    }

    /** acme accepts tokens of the test IdP, with no clock skew (so that expiry is exact). */
    private void trustIdp() throws InterruptedException {
        HttpResponse<String> auth = admin("PUT", "/admin/v1/tenants/acme/settings/auth",
                "{\"schemes\":[\"api-key\",\"jwt\"],\"jwt\":{\"issuer\":\"%s\",\"audiences\":[\"warden\"],\"jwksUrl\":\"%s\",\"clockSkewSeconds\":0}}"
                        .formatted(idp.issuer(), idp.jwksUrl()));
        assertThat(auth.statusCode()).as(auth.body()).isEqualTo(200);
        Thread.sleep(300); // the settings reach the data plane's snapshot
    }

    private static HttpResponse<String> slowStream(String url, String credential, int tokens, int tokensPerSecond) {
        return Http.post(url, "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":" + tokens + ",\"messages\":[]}",
                "Authorization", bearer(credential), "X-Sim-Fault", "pace=" + tokensPerSecond);
    }

    @Test
    void aStreamAdmittedWithAValidTokenRunsToItsEndPastTheTokensExpiry() throws Exception {
        trustIdp();
        long now = System.currentTimeMillis();
        Date exp = new Date((now / 1000 + 2) * 1000);
        String token = idp.sign(idp.claims("alice", "warden").claim("roles", List.of("developer")).expirationTime(exp).build());
        HttpResponse<String> r = slowStream(gw.dataUrl("/v1/chat/completions"), token, 30, 10); // ~3 s
        assertThat(System.currentTimeMillis()).as("the stream ended after the token expired").isGreaterThan(exp.getTime() + 500);
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> events = StreamingTest.events(r.body());
        assertThat(events).last().isEqualTo("[DONE]");
        assertThat(events).noneMatch(e -> e.startsWith("error|"));
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), Http.chat("gpt-sim", "hi"), "Authorization", bearer(token)).statusCode())
                .as("a new request with the expired token").isEqualTo(401);
    }

    @Test
    void aStreamEndsAtItsTiersMaximumDuration() throws Exception {
        long start = System.currentTimeMillis();
        HttpResponse<String> r = slowStream(gw.dataUrl("/v1/chat/completions"), gw.key("globex"), 40, 10); // 4 s; basic allows 1 s
        long took = System.currentTimeMillis() - start;
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> events = StreamingTest.events(r.body());
        assertThat(events).last().asString().startsWith("error|").contains("\"code\":\"stream_max_duration\"");
        assertThat(took).isBetween(1_000L, 3_000L);
        assertThat(events.size()).as("what came before the cap was relayed").isGreaterThan(3);
    }

    @Test
    void aJobOutlivesTenCredentialLifetimesAndItsOwnersTokenIsReplacedMidJob() throws Exception {
        trustIdp();
        String firstToken = idpToken("alice", 3);
        long durationMs = 10L * LIFETIME_SECONDS * 1000 + 500;
        JsonNode job = started("acme", firstToken, durationMs);
        String id = job.path("id").asText();
        assertThat(id).matches("job_[a-z2-7]{26}");
        assertThat(job.path("status").asText()).isEqualTo("running");
        assertThat(job.path("owner").asText()).isEqualTo("alice");
        assertThat(job.toString()).doesNotContain("wjs_").doesNotContain("secret");
        assertThat(gw.eu.lastBody() + gw.us.lastBody()).as("the job service got the job's secret, never the client's token")
                .doesNotContain(firstToken);

        // the client's token expires: it can no longer read the job, a fresh one of the same subject can
        Thread.sleep(3_200);
        assertThat(getJob("acme", firstToken, id).statusCode()).isEqualTo(401);
        String secondToken = idpToken("alice", 60);
        HttpResponse<String> mid = getJob("acme", secondToken, id);
        assertThat(mid.statusCode()).as(mid.body()).isEqualTo(200);
        JsonNode midJob = JSON.readTree(mid.body());
        assertThat(midJob.path("status").asText()).isEqualTo("running");
        assertThat(midJob.path("progress").asDouble()).isBetween(0.05, 0.95);

        SimJobs.Job w = awaitWorker(id, j -> !j.status().equals("running") && !j.status().equals("queued"), durationMs + 10_000);
        assertThat(w.status()).as("stop reason: " + w.stopReason()).isEqualTo("succeeded");
        assertThat(w.longestCredentialLifeSeconds()).isEqualTo(LIFETIME_SECONDS);
        assertThat(w.workedMs()).as("worked for more than ten credential lifetimes, holding a valid credential at every step")
                .isGreaterThanOrEqualTo(10L * w.longestCredentialLifeSeconds() * 1000);
        assertThat(w.distinctCredentials()).isGreaterThanOrEqualTo(10);

        HttpResponse<String> done = getJob("acme", secondToken, id);
        JsonNode doneJob = JSON.readTree(done.body());
        assertThat(doneJob.path("status").asText()).isEqualTo("succeeded");
        assertThat(doneJob.path("credential_renewals").asLong()).isEqualTo(w.renewals());
        long renewalsAudited = gw.auditRecords().stream().filter(r -> r.event().action().equals("job.renew")
                && r.event().decision().equals("allow") && ("job:" + id).equals(r.event().principal())).count();
        assertThat(renewalsAudited).as("every credential issued is audited").isEqualTo(w.renewals());
    }

    @Test
    void revokingTheOwnersKeyStopsRenewalWithinOneRenewalPeriodAndTheJobIsToldWhy() throws Exception {
        String ownerKey = issueKey("acme", "developer");
        String tenantAdmin = issueKey("acme", "tenant-admin");
        String id = started("acme", ownerKey, 60_000).path("id").asText();
        awaitWorker(id, j -> j.renewals() >= 2, 5_000);

        assertThat(admin("DELETE", "/admin/v1/tenants/acme/keys/" + keyId(ownerKey), null).statusCode()).isEqualTo(204);
        long revokedAt = System.currentTimeMillis();
        SimJobs.Job w = awaitWorker(id, j -> j.status().equals("failed"), 5_000);
        long stoppedAfter = System.currentTimeMillis() - revokedAt;
        assertThat(w.stopReason()).isEqualTo("owner_key_revoked");
        // one renewal period once the revocation reached the snapshot (refreshed every 100 ms here), plus slack for a busy machine
        assertThat(stoppedAfter).isLessThan(RENEW_EVERY_MS + 100 + 1_000);

        JsonNode seen = JSON.readTree(getJob("acme", tenantAdmin, id).body());
        assertThat(seen.path("status").asText()).isEqualTo("failed");
        assertThat(seen.path("stop_reason").asText()).isEqualTo("owner_key_revoked");
        assertThat(gw.auditRecords().stream().filter(r -> r.event().action().equals("job.renew") && r.event().decision().equals("deny")
                && r.event().reason().equals("job_renewal_denied:owner_key_revoked"))).hasSize(1);
    }

    @Test
    void suspendingTheTenantStopsItsJobsAndCancelStopsOneAtOnce() throws Exception {
        assertThat(admin("POST", "/admin/v1/tenants", "{\"id\":\"delta\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"gpt-sim\"]}")
                .statusCode()).isEqualTo(201);
        String key = issueKey("delta", "developer");
        Thread.sleep(300);
        String suspended = started("delta", key, 60_000).path("id").asText();
        String cancelled = started("delta", key, 60_000).path("id").asText();
        assertThat(worker(suspended)).as("residency: delta may use eu only").isSameAs(gw.eu.jobs().byWardenId(suspended));
        awaitWorker(cancelled, j -> j.renewals() >= 1, 5_000);

        HttpResponse<String> cancel = Http.post(gw.dataUrl("/api/v1/tenants/delta/jobs/" + cancelled + "/cancel"), "",
                "Authorization", bearer(key));
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(JSON.readTree(cancel.body()).path("status").asText()).isEqualTo("cancelled");
        assertThat(awaitWorker(cancelled, j -> j.status().equals("cancelled"), 2_000).stopReason()).isEqualTo("cancelled");
        HttpResponse<String> again = Http.post(gw.dataUrl("/api/v1/tenants/delta/jobs/" + cancelled + "/cancel"), "",
                "Authorization", bearer(key));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("\"code\":\"job_finished\"");

        assertThat(admin("POST", "/admin/v1/tenants/delta/suspend", null).statusCode()).isEqualTo(200);
        SimJobs.Job w = awaitWorker(suspended, j -> j.status().equals("failed"), RENEW_EVERY_MS + 3_000);
        assertThat(w.stopReason()).isEqualTo("tenant_suspended");
    }

    @Test
    void aJobIsSeenByItsOwnerAndTheTenantAdminOnlyAndNeverByAnotherTenant() throws Exception {
        String alice = issueKey("acme", "developer");
        String bob = issueKey("acme", "developer");
        String tenantAdmin = issueKey("acme", "tenant-admin");
        String id = started("acme", alice, 60_000).path("id").asText();
        started("acme", bob, 60_000);

        assertThat(getJob("acme", alice, id).statusCode()).isEqualTo(200);
        assertThat(getJob("acme", tenantAdmin, id).statusCode()).isEqualTo(200);
        HttpResponse<String> otherOwner = getJob("acme", bob, id);
        assertThat(otherOwner.statusCode()).isEqualTo(404);
        gw.assertAudited(otherOwner);
        // ATTACKS A05: another tenant's job id under its own path, and under the job's tenant's path
        assertThat(getJob("globex", gw.key("globex"), id).statusCode()).isEqualTo(404);
        assertThat(getJob("acme", gw.key("globex"), id).statusCode()).isEqualTo(401);
        assertThat(Http.post(gw.dataUrl("/api/v1/tenants/globex/jobs/" + id + "/cancel"), "", "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(404);
        assertThat(getJob("acme", alice, "job_" + "a".repeat(26)).statusCode()).isEqualTo(404);
        assertThat(getJob("acme", alice, "not-a-job-id").statusCode()).isEqualTo(404);

        JsonNode own = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/acme/jobs"), "Authorization", bearer(alice)).body());
        assertThat(own.path("data").findValuesAsText("owner")).containsOnly(keyId(alice));
        JsonNode all = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/acme/jobs"), "Authorization", bearer(tenantAdmin)).body());
        assertThat(all.path("data").findValuesAsText("owner")).containsExactlyInAnyOrder(keyId(alice), keyId(bob));
        JsonNode globex = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/globex/jobs"), "Authorization", bearer(gw.key("globex"))).body());
        assertThat(globex.path("data").size()).isZero();
    }

    @Test
    void badJobRequestsAreRefusedBeforeAnythingRunsAndSecretsAreChecked() throws Exception {
        String viewer = gw.key("acme-viewer");
        String developer = gw.key("acme");
        long before = gw.upstreamRequests();
        int mark = gw.auditMark();
        assertThat(createJob("acme", viewer, "{\"model\":\"gpt-sim\",\"kind\":\"batch\"}").statusCode()).isEqualTo(403);
        gw.assertOneNewDeny(mark, "forbidden");
        for (String body : List.of("{\"model\":\"gpt-sim\",\"kind\":\"mining\"}", "{\"model\":\"gpt-sim\"}",
                "{\"model\":\"gpt-sim\",\"kind\":\"batch\",\"params\":[1]}", "{\"model\":\"gpt-sim\",\"kind\":\"batch\",\"tenantz\":1}",
                "{\"kind\":\"batch\"}")) {
            HttpResponse<String> r = createJob("acme", developer, body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            gw.assertAudited(r);
        }
        assertThat(createJob("acme", developer, "{\"model\":\"us-only\",\"kind\":\"batch\"}").statusCode())
                .as("the us pool runs no jobs").isEqualTo(400);
        assertThat(createJob("globex", gw.key("globex"), "{\"model\":\"echo\",\"kind\":\"batch\"}").statusCode())
                .as("a model the tenant may not use").isEqualTo(403);
        assertThat(Http.call("PUT", gw.dataUrl("/api/v1/tenants/acme/jobs"), "{}", "Authorization", bearer(developer)).statusCode())
                .isEqualTo(405);
        assertThat(gw.upstreamRequests()).as("nothing reached a job service").isEqualTo(before);

        for (int i = 0; i < 5; i++) {
            started("acme", developer, 60_000);
        }
        HttpResponse<String> sixth = createJob("acme", developer, "{\"model\":\"gpt-sim\",\"kind\":\"batch\"}");
        assertThat(sixth.statusCode()).isEqualTo(429);
        assertThat(sixth.body()).contains("\"code\":\"job_limit\"");

        // the renewal endpoint: an unknown job and a wrong secret get the same 401; no secret, no body, no GET
        String id = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/acme/jobs"), "Authorization", bearer(developer)).body())
                .path("data").get(0).path("id").asText();
        String renew = gw.dataUrl("/internal/v1/jobs/" + id + "/token");
        HttpResponse<String> wrong = Http.post(renew, "", "Authorization", "Bearer wjs_" + "A".repeat(43));
        HttpResponse<String> unknown = Http.post(gw.dataUrl("/internal/v1/jobs/job_" + "b".repeat(26) + "/token"), "",
                "Authorization", "Bearer wjs_" + "A".repeat(43));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo(unknown.body());
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(Http.post(renew, "", "Authorization", bearer(developer)).statusCode()).as("a tenant key is no job secret").isEqualTo(401);
        assertThat(Http.post(renew, "").statusCode()).isEqualTo(401);
        assertThat(Http.get(renew).statusCode()).isEqualTo(405);
        for (String report : List.of("{\"tenant\":\"globex\"}", "{\"usage\":{\"gpuSeconds\":-1}}", "{\"usage\":7}", "[1]", "{")) {
            assertThat(Http.post(renew, report, "Authorization", "Bearer wjs_x").statusCode()).as(report).isEqualTo(400);
        }
        assertThat(Http.post(gw.dataUrl("/internal/v1/jobs/" + id + "/finish"), "{\"status\":\"running\"}", "Authorization",
                "Bearer wjs_x").statusCode()).as("a finish ends the job").isEqualTo(400);
        assertThat(Http.post(gw.dataUrl("/internal/v1/jobs/../token"), "").statusCode()).isEqualTo(404);
        assertThat(gw.auditRecords().stream().filter(r -> r.event().action().equals("job.renew") && r.event().decision().equals("deny")
                && r.event().reason().startsWith("unauthenticated:"))).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void aJobServiceThatCannotBeReachedFailsTheJobCleanly() throws Exception {
        String tenantAdmin = issueKey("acme", "tenant-admin");
        HttpResponse<String> r = createJob("acme", gw.key("acme"), "{\"model\":\"dead-model\",\"kind\":\"batch\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"upstream_unavailable\"").doesNotContain("Exception");
        JsonNode jobs = JSON.readTree(Http.get(gw.dataUrl("/api/v1/tenants/acme/jobs"), "Authorization", bearer(tenantAdmin)).body());
        assertThat(jobs.path("data")).hasSize(1);
        assertThat(jobs.path("data").get(0).path("status").asText()).isEqualTo("failed");
        assertThat(jobs.path("data").get(0).path("stop_reason").asText()).startsWith("job_service_failed");
    }
}
