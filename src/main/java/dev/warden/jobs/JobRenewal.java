package dev.warden.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Ids;
import dev.warden.config.JobSettings;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.problem.ProblemJson;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.store.StoredJob;
import dev.warden.token.ServiceTokens;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /internal/v1/jobs/{id}/token}: a job's worker renews its service credential with
 * the job's own secret ({@code Authorization: Bearer wjs_...}), for as long as the job runs, within
 * its declared longest run, and its tenant and owner are in good standing ({@link JobStanding}).
 * The renewal may report what the job ran ({@code {"usage": {"gpuSeconds": n}}}, cumulative): it
 * is charged ({@link JobMeter}; no report: the GPU time it held). A refused renewal is final: the
 * job is charged what it held, marked failed with the reason, the worker is told it
 * ({@code reason} in the problem), and the refusal is audited. Every credential issued is audited
 * too. {@code POST /internal/v1/jobs/{id}/finish} ({@code {"status": "succeeded"|"failed",
 * "usage": ...}}) is the worker's last word: the job is charged and ends. The answer to an unknown
 * job and to a wrong secret is the same 401, after the same keyed-hash comparison.
 */
public final class JobRenewal implements Handler<HttpServerRequest> {
    public static final String PREFIX = "/internal/v1/jobs/";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The most a worker's report may hold. */
    private static final int MAX_BODY = 4096;
    private static final Set<String> END_STATES = Set.of("succeeded", "failed");
    private final Vertx vertx;
    private final SnapshotHolder snapshots;
    private final JobRegistry registry;
    private final JobScheduler scheduler;
    private final ServiceTokens tokens;
    private final AuditWriter audit;

    /** {@code registry} and {@code scheduler} null: no control store, so no jobs (503). */
    public JobRenewal(Vertx vertx, SnapshotHolder snapshots, JobRegistry registry, JobScheduler scheduler, ServiceTokens tokens,
                      AuditWriter audit) {
        this.vertx = vertx;
        this.snapshots = snapshots;
        this.registry = registry;
        this.scheduler = scheduler;
        this.tokens = tokens;
        this.audit = audit;
    }

    /** What a worker said: the GPU time its job ran so far (negative: nothing), and for a finish its end. */
    private record Report(long gpuMs, String status, String stopReason) {
        static final Report NONE = new Report(-1, null, null);
    }

    @Override
    public void handle(HttpServerRequest req) {
        String uri = req.uri();
        boolean finish = uri.endsWith("/finish");
        String id = uri.endsWith("/token") ? uri.substring(PREFIX.length(), uri.length() - "/token".length())
                : finish ? uri.substring(PREFIX.length(), uri.length() - "/finish".length()) : "";
        if (!Ids.isJobId(id)) {
            refuse(req, null, id, GatewayError.of(ErrorCode.NOT_FOUND, "No such route.", "route_unknown"), null);
            return;
        }
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("Allow", "POST");
            refuse(req, null, id, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "Use POST."), null);
            return;
        }
        long length = parseLength(req.getHeader("Content-Length"));
        if (req.headers().contains("Transfer-Encoding") || length < 0 || length > MAX_BODY) {
            req.response().putHeader("Connection", "close");
            refuse(req, null, id, GatewayError.of(ErrorCode.INVALID_REQUEST, "A report is a JSON object of at most " + MAX_BODY
                    + " bytes, sent with its Content-Length.", "report_body"), null);
            return;
        }
        if (registry == null || scheduler == null) {
            refuse(req, null, id, GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "Jobs need the control store, which is not configured."), null);
            return;
        }
        String auth = req.getHeader("Authorization");
        String secret = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : "";
        req.body().onSuccess(body -> {
            Report report = report(body.toString(), finish);
            if (report == null) {
                refuse(req, null, id, GatewayError.of(ErrorCode.INVALID_REQUEST, finish
                        ? "A finish is {\"status\": \"succeeded\" or \"failed\", \"usage\": {\"gpuSeconds\": n}}."
                        : "A renewal's report is {\"usage\": {\"gpuSeconds\": n}}.", "report_invalid"), null);
                return;
            }
            registry.forRenewal(id)
                    .compose(found -> finish ? finish(req, id, secret, found, report) : renew(req, id, secret, found, report))
                    .onFailure(e -> refuse(req, null, id, GatewayError.of(ErrorCode.STORE_UNAVAILABLE,
                            "The job registry is unavailable; retry shortly.", "job_store_failed"), null));
        });
    }

    /** A worker's report, or null when it is malformed (an empty body: no report). */
    private static Report report(String body, boolean finish) {
        if (body.isEmpty()) {
            return finish ? null : Report.NONE;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (Exception e) {
            return null;
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        for (var names = root.fieldNames(); names.hasNext(); ) {
            String n = names.next();
            if (!n.equals("usage") && !(finish && (n.equals("status") || n.equals("stop_reason")))) {
                return null;
            }
        }
        long gpuMs = -1;
        JsonNode usage = root.get("usage");
        if (usage != null) {
            JsonNode seconds = usage.get("gpuSeconds");
            if (!usage.isObject() || usage.size() != 1 || seconds == null || !seconds.isNumber() || seconds.doubleValue() < 0
                    || seconds.doubleValue() > 1e12) {
                return null;
            }
            gpuMs = Math.round(seconds.doubleValue() * 1000);
        }
        if (!finish) {
            return new Report(gpuMs, null, null);
        }
        String status = root.path("status").asText("");
        String reason = root.path("stop_reason").asText(null);
        if (!END_STATES.contains(status) || (reason != null && !reason.matches("[a-z0-9_:.-]{1,64}"))) {
            return null;
        }
        return new Report(gpuMs, status, reason);
    }

    private static long parseLength(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The worker's last word: the job is charged what it reported and ends as it says. */
    private Future<Void> finish(HttpServerRequest req, String id, String secret, Optional<StoredJob> found, Report report) {
        StoredJob job = verified(req, id, secret, found);
        if (job == null) {
            return Future.succeededFuture();
        }
        return scheduler.end(job, report.status(), report.stopReason(), report.gpuMs()).compose(changed -> {
            record(req, job, "job.finish", changed ? "allow" : "deny", changed ? "ok" : "job_finished");
            return registry.find(job.tenantId(), job.id());
        }).map(now -> {
            StoredJob j = now.orElse(job);
            ObjectNode out = MAPPER.createObjectNode().put("job", j.id()).put("status", j.state())
                    .put("gpu_seconds", j.run().usedGpuMs() / 1000.0).put("cost_micros", j.run().chargedMicros());
            req.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(out.toString());
            return null;
        });
    }

    /** The job if the secret is its own; otherwise the refusal has been sent (the same for an unknown job) and null. */
    private StoredJob verified(HttpServerRequest req, String id, String secret, Optional<StoredJob> found) {
        if (found.isEmpty() || !secret.startsWith("wjs_")) {
            registry.burnSecretCheck(secret);
            refuse(req, null, id, unauthenticated(found.isEmpty() ? "job_unknown" : "job_secret_malformed"), null);
            return null;
        }
        StoredJob job = found.get();
        if (!registry.secretMatches(job, secret)) {
            refuse(req, job, id, unauthenticated("job_secret_wrong"), null);
            return null;
        }
        return job;
    }

    private Future<Void> renew(HttpServerRequest req, String id, String secret, Optional<StoredJob> found, Report report) {
        StoredJob job = verified(req, id, secret, found);
        if (job == null) {
            return Future.succeededFuture();
        }
        Snapshot snapshot = snapshots.current();
        long now = System.currentTimeMillis();
        String refusal = JobStanding.refusal(job, snapshot, now);
        refusal = refusal != null ? refusal : scheduler.overLimit(job.tenantId());
        if (refusal != null) {
            return stop(req, job, refusal);
        }
        if (job.run().startedAtMs() > 0 && now - job.run().startedAtMs() >= job.resources().maxMs()) {
            return stop(req, job, "max_time_reached"); // it ran its declared longest: charged all of it, and no more
        }
        JobSettings settings = snapshot.config().jobs();
        return scheduler.charge(job, report.gpuMs()).compose(x -> registry.recordRenewal(job)).compose(counted -> {
            if (!counted) {
                return stop(req, job, "job_finished");
            }
            return vertx.executeBlocking(() -> tokens.mintForJob(job.tenantId(), job.subject(), job.owner().role(),
                    job.placement().region(), job.placement().pool(), job.id(), settings.tokenLifetimeSeconds(),
                    System.currentTimeMillis()), false).map(token -> {
                        record(req, job, "allow", "ok");
                        ObjectNode out = MAPPER.createObjectNode().put("access_token", token).put("token_type", "Bearer")
                                .put("expires_in", settings.tokenLifetimeSeconds()).put("renew_after_ms", settings.renewEveryMs())
                                .put("job", job.id());
                        req.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                                .putHeader("Cache-Control", "no-store").end(out.toString());
                        return null;
                    });
        });
    }

    /** Renewal refused for good: the job is charged what it held, marked failed with the reason (unless it already ended) and told why. */
    private Future<Void> stop(HttpServerRequest req, StoredJob job, String reason) {
        GatewayError error = GatewayError.of(ErrorCode.JOB_RENEWAL_DENIED,
                "This job may no longer renew its credential: " + reason + ".", reason);
        Future<Boolean> marked = job.finished() || reason.equals("job_finished") ? Future.succeededFuture(false)
                : scheduler.end(job, "failed", reason, -1);
        return marked.map(x -> {
            refuse(req, job, job.id(), error, reason);
            return null;
        });
    }

    private static GatewayError unauthenticated(String reason) {
        return GatewayError.of(ErrorCode.UNAUTHENTICATED, "A valid job secret is required.", reason);
    }

    private void refuse(HttpServerRequest req, StoredJob job, String id, GatewayError error, String toldReason) {
        if (error.securityRelevant()) {
            record(req, job, "deny", error.code().code() + ":" + error.reason());
        }
        if (error.code() == ErrorCode.UNAUTHENTICATED) {
            req.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden-jobs\", error=\"invalid_token\"");
        }
        ProblemJson.send(req.response(), error, "reason", toldReason); // the job is told why, in a stable word
    }

    private void record(HttpServerRequest req, StoredJob job, String decision, String reason) {
        record(req, job, "job.renew", decision, reason);
    }

    private void record(HttpServerRequest req, StoredJob job, String action, String decision, String reason) {
        if (audit != null) {
            audit.record(new AuditEvent(System.currentTimeMillis(), job == null ? null : job.tenantId(),
                    job == null ? null : "job:" + job.id(), action, decision, reason, null,
                    req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(),
                    job == null ? null : "{\"job\":\"" + job.id() + "\",\"owner\":" + MAPPER.getNodeFactory().textNode(job.subject()) + "}"));
        }
    }
}
