package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.token.ServiceTokenVerifier;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The sim's job service ({@code POST /v1/jobs}, {@code GET /v1/jobs/{id}},
 * {@code POST /v1/jobs/{id}/cancel}), standing in for a training or batch system. A job works for
 * {@code params.durationMs} once it holds its first credential, and it only works while it holds
 * a valid one: its worker renews through Warden ({@code credentials.renewUrl}, with the job's
 * secret) at the period Warden names. A refused renewal stops the job with Warden's reason; a
 * credential that expires stops it with {@code credential_expired}. So a job that succeeds held a
 * valid Warden credential at every step of its run. Each renewal reports the GPU time run so far
 * ({@code resources.gpus} x the time worked) and the end is told at {@code credentials.finishUrl},
 * as a real worker meters itself.
 */
public final class SimJobs {
    static final long STEP_MS = 50;
    private static final long MAX_DURATION_MS = 3_600_000;

    /** One job, as the sim's worker sees it. Mutated on the sim's event loop only. */
    public static final class Job {
        final String id;
        final String wardenId;
        final String tenant;
        final long durationMs;
        final String renewUrl;
        final String finishUrl;
        final String secret;
        final int gpus;
        volatile String status = "queued";
        volatile String stopReason;
        volatile long startedAtMs;
        volatile long finishedAtMs;
        String token;
        long tokenExpMs;
        long nextRenewAtMs;
        boolean renewing;
        volatile int renewals;
        final Set<String> tokenIds = ConcurrentHashMap.newKeySet();
        volatile long longestTokenLifeSeconds;
        long timer = -1;

        Job(String id, String wardenId, String tenant, long durationMs, String renewUrl, String finishUrl, String secret, int gpus) {
            this.id = id;
            this.wardenId = wardenId;
            this.tenant = tenant;
            this.durationMs = durationMs;
            this.renewUrl = renewUrl;
            this.finishUrl = finishUrl;
            this.secret = secret;
            this.gpus = gpus;
        }

        /** The GPU time run so far, as its worker reports it. */
        double gpuSeconds() {
            return gpus * workedMs() / 1000.0;
        }

        boolean finished() {
            return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
        }

        public String wardenId() {
            return wardenId;
        }

        public String status() {
            return status;
        }

        public String stopReason() {
            return stopReason;
        }

        public int renewals() {
            return renewals;
        }

        /** How many different credentials (by {@code jti}) the job held. */
        public int distinctCredentials() {
            return tokenIds.size();
        }

        /** The longest {@code exp - iat} of the credentials it held. */
        public long longestCredentialLifeSeconds() {
            return longestTokenLifeSeconds;
        }

        /** From its first credential to its end (or now). */
        public long workedMs() {
            return startedAtMs == 0 ? 0 : (finishedAtMs > 0 ? finishedAtMs : System.currentTimeMillis()) - startedAtMs;
        }
    }

    private final Vertx vertx;
    private final String region;
    private final HttpClient client;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Supplier<JWKSet> keys;
    private volatile String issuer;

    SimJobs(Vertx vertx, String region) {
        this.vertx = vertx;
        this.region = region;
        this.client = vertx.createHttpClient();
    }

    /** Verify every renewed credential with these keys (Warden's JWKS) and issuer. */
    void verifyWith(Supplier<JWKSet> keys, String issuer) {
        this.issuer = issuer;
        this.keys = keys;
    }

    /** The job Warden created with id {@code wardenId}, or null. */
    public Job byWardenId(String wardenId) {
        return jobs.values().stream().filter(j -> j.wardenId.equals(wardenId)).findFirst().orElse(null);
    }

    void create(JsonNode body, HttpServerResponse res) {
        JsonNode creds = body.path("credentials");
        String wardenId = body.path("id").asText("");
        String renewUrl = creds.path("renewUrl").asText("");
        String secret = creds.path("secret").asText("");
        if (wardenId.isEmpty() || renewUrl.isEmpty() || secret.isEmpty()) {
            SimServer.json(res, 400, "{\"error\":{\"message\":\"id and credentials are required\",\"type\":\"invalid_request_error\"}}");
            return;
        }
        long duration = Math.min(MAX_DURATION_MS, Math.max(0, body.path("params").path("durationMs").asLong(10_000)));
        int gpus = (int) Math.min(1024, Math.max(1, body.path("resources").path("gpus").asLong(1)));
        Job job = new Job("simjob-" + region + "-" + ids.incrementAndGet(), wardenId, body.path("tenant").asText(""), duration,
                renewUrl, creds.path("finishUrl").asText(""), secret, gpus);
        jobs.put(job.id, job);
        job.timer = vertx.setPeriodic(STEP_MS, t -> step(job));
        renew(job);
        SimServer.json(res, 201, view(job).toString());
    }

    void status(String id, HttpServerResponse res) {
        Job job = jobs.get(id);
        if (job == null) {
            SimServer.json(res, 404, "{\"error\":{\"message\":\"no such job\",\"type\":\"invalid_request_error\"}}");
            return;
        }
        SimServer.json(res, 200, view(job).toString());
    }

    void cancel(String id, HttpServerResponse res) {
        Job job = jobs.get(id);
        if (job == null) {
            SimServer.json(res, 404, "{\"error\":{\"message\":\"no such job\",\"type\":\"invalid_request_error\"}}");
            return;
        }
        if (!job.finished()) {
            stop(job, "cancelled", "cancelled");
        }
        SimServer.json(res, 200, view(job).toString());
    }

    private ObjectNode view(Job job) {
        long now = System.currentTimeMillis();
        double progress = job.status.equals("succeeded") ? 1.0
                : job.startedAtMs == 0 || job.durationMs == 0 ? 0.0
                : Math.min(1.0, ((job.finished() ? job.finishedAtMs : now) - job.startedAtMs) / (double) job.durationMs);
        ObjectNode out = SimReplies.MAPPER.createObjectNode().put("id", job.id).put("status", job.status)
                .put("progress", Math.round(progress * 1000) / 1000.0).put("renewals", job.renewals);
        if (job.stopReason != null) {
            out.put("stop_reason", job.stopReason);
        }
        return out;
    }

    private void step(Job job) {
        if (job.finished()) {
            return;
        }
        long now = System.currentTimeMillis();
        if (job.token != null && now >= job.tokenExpMs) {
            stop(job, "failed", "credential_expired"); // a worker without a valid credential cannot go on
            return;
        }
        if (job.startedAtMs > 0 && now - job.startedAtMs >= job.durationMs) {
            stop(job, "succeeded", null);
            finish(job);
            return;
        }
        if (!job.renewing && job.token != null && now >= job.nextRenewAtMs) {
            renew(job);
        }
    }

    private void renew(Job job) {
        job.renewing = true;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(job.renewUrl)
                .putHeader("Authorization", "Bearer " + job.secret).setIdleTimeout(5_000);
        String report = job.startedAtMs == 0 ? "" : usage(job).toString();
        if (!report.isEmpty()) {
            options.putHeader("Content-Type", "application/json");
        }
        client.request(options).compose(req -> req.send(report).compose(r -> r.body().map(b -> Map.entry(r.statusCode(), b))))
                .onComplete(ar -> {
                    job.renewing = false;
                    if (job.finished()) {
                        return;
                    }
                    long now = System.currentTimeMillis();
                    if (ar.failed()) {
                        job.nextRenewAtMs = now + 200; // Warden unreachable: try again while the credential lasts
                        return;
                    }
                    JsonNode body = parse(ar.result().getValue().toString());
                    int status = ar.result().getKey();
                    if (status == 200) {
                        accept(job, body, now);
                    } else if (status == 401 || status == 403) {
                        stop(job, "failed", body.path("reason").asText(body.path("code").asText("renewal_refused")));
                    } else {
                        job.nextRenewAtMs = now + 200;
                    }
                });
    }

    private static ObjectNode usage(Job job) {
        ObjectNode out = SimReplies.MAPPER.createObjectNode();
        out.putObject("usage").put("gpuSeconds", Math.round(job.gpuSeconds() * 1000) / 1000.0);
        return out;
    }

    /** Tells Warden the job ended, with what it ran (once; a worker that cannot reach Warden leaves it to the renewal rules). */
    private void finish(Job job) {
        if (job.finishUrl.isEmpty()) {
            return;
        }
        ObjectNode body = usage(job).put("status", job.status);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(job.finishUrl)
                .putHeader("Authorization", "Bearer " + job.secret).putHeader("Content-Type", "application/json").setIdleTimeout(5_000);
        client.request(options).compose(req -> req.send(body.toString()).compose(r -> r.body()));
    }

    private void accept(Job job, JsonNode body, long now) {
        String token = body.path("access_token").asText("");
        JWTClaimsSet claims = claims(token);
        if (claims == null || !job.tenant.equals(claimText(claims, "tenant")) || !job.wardenId.equals(claimText(claims, "job"))
                || claims.getExpirationTime() == null || claims.getIssueTime() == null) {
            stop(job, "failed", "credential_invalid");
            return;
        }
        job.token = token;
        job.tokenExpMs = claims.getExpirationTime().getTime();
        job.tokenIds.add(claims.getJWTID());
        job.longestTokenLifeSeconds = Math.max(job.longestTokenLifeSeconds,
                (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000);
        job.renewals++;
        job.nextRenewAtMs = now + Math.max(50, body.path("renew_after_ms").asLong(1000));
        if (job.startedAtMs == 0) {
            job.startedAtMs = now;
            job.status = "running";
        }
    }

    /** Verified with Warden's keys when the sim was given them, else only read. */
    private JWTClaimsSet claims(String token) {
        try {
            Supplier<JWKSet> k = keys;
            if (k != null) {
                return ServiceTokenVerifier.verify(token, k.get(), issuer);
            }
            return SignedJWT.parse(token).getJWTClaimsSet();
        } catch (ParseException e) {
            return null;
        }
    }

    private static String claimText(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        return v instanceof String s ? s : null;
    }

    private void stop(Job job, String status, String reason) {
        job.status = status;
        job.stopReason = reason;
        job.finishedAtMs = System.currentTimeMillis();
        job.token = null;
        vertx.cancelTimer(job.timer);
    }

    private static JsonNode parse(String text) {
        try {
            return SimReplies.MAPPER.readTree(text);
        } catch (IOException e) {
            return SimReplies.MAPPER.createObjectNode();
        }
    }

    void close() {
        jobs.values().forEach(j -> vertx.cancelTimer(j.timer));
        client.close();
    }
}
