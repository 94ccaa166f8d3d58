package dev.warden.jobs;

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

/**
 * {@code POST /internal/v1/jobs/{id}/token}: a job's worker renews its service credential with
 * the job's own secret ({@code Authorization: Bearer wjs_...}), for as long as the job runs and its
 * tenant and owner are in good standing ({@link JobStanding}). A refused renewal is final: the job
 * is marked failed with the reason, the worker is told it ({@code reason} in the problem), and the
 * refusal is audited. Every credential issued is audited too. The answer to an unknown job and to
 * a wrong secret is the same 401, after the same keyed-hash comparison.
 */
public final class JobRenewal implements Handler<HttpServerRequest> {
    public static final String PREFIX = "/internal/v1/jobs/";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Vertx vertx;
    private final SnapshotHolder snapshots;
    private final JobRegistry registry;
    private final ServiceTokens tokens;
    private final AuditWriter audit;

    /** {@code registry} null: no control store, so no jobs (503). */
    public JobRenewal(Vertx vertx, SnapshotHolder snapshots, JobRegistry registry, ServiceTokens tokens, AuditWriter audit) {
        this.vertx = vertx;
        this.snapshots = snapshots;
        this.registry = registry;
        this.tokens = tokens;
        this.audit = audit;
    }

    @Override
    public void handle(HttpServerRequest req) {
        String uri = req.uri();
        String id = uri.endsWith("/token") ? uri.substring(PREFIX.length(), uri.length() - "/token".length()) : "";
        if (!Ids.isJobId(id)) {
            refuse(req, null, id, GatewayError.of(ErrorCode.NOT_FOUND, "No such route.", "route_unknown"), null);
            return;
        }
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("Allow", "POST");
            refuse(req, null, id, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "Use POST."), null);
            return;
        }
        String length = req.getHeader("Content-Length");
        if (req.headers().contains("Transfer-Encoding") || (length != null && !length.equals("0"))) {
            req.response().putHeader("Connection", "close");
            refuse(req, null, id, GatewayError.of(ErrorCode.INVALID_REQUEST, "A renewal has no body.", "renewal_body"), null);
            return;
        }
        if (registry == null) {
            refuse(req, null, id, GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "Jobs need the control store, which is not configured."), null);
            return;
        }
        String auth = req.getHeader("Authorization");
        String secret = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : "";
        registry.forRenewal(id)
                .compose(found -> renew(req, id, secret, found))
                .onFailure(e -> refuse(req, null, id, GatewayError.of(ErrorCode.STORE_UNAVAILABLE,
                        "The job registry is unavailable; retry shortly.", "job_store_failed"), null));
    }

    private Future<Void> renew(HttpServerRequest req, String id, String secret, Optional<StoredJob> found) {
        if (found.isEmpty() || !secret.startsWith("wjs_")) {
            registry.burnSecretCheck(secret);
            refuse(req, null, id, unauthenticated(found.isEmpty() ? "job_unknown" : "job_secret_malformed"), null);
            return Future.succeededFuture();
        }
        StoredJob job = found.get();
        if (!registry.secretMatches(job, secret)) {
            refuse(req, job, id, unauthenticated("job_secret_wrong"), null);
            return Future.succeededFuture();
        }
        Snapshot snapshot = snapshots.current();
        String refusal = JobStanding.refusal(job, snapshot, System.currentTimeMillis());
        if (refusal != null) {
            return stop(req, job, refusal);
        }
        JobSettings settings = snapshot.config().jobs();
        return registry.recordRenewal(job).compose(counted -> {
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

    /** Renewal refused for good: the job is marked failed with the reason (unless it already ended) and told why. */
    private Future<Void> stop(HttpServerRequest req, StoredJob job, String reason) {
        GatewayError error = GatewayError.of(ErrorCode.JOB_RENEWAL_DENIED,
                "This job may no longer renew its credential: " + reason + ".", reason);
        Future<Boolean> marked = job.finished() || reason.equals("job_finished") ? Future.succeededFuture(false)
                : registry.update(job, "failed", null, reason);
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
        if (audit != null) {
            audit.record(new AuditEvent(System.currentTimeMillis(), job == null ? null : job.tenantId(),
                    job == null ? null : "job:" + job.id(), "job.renew", decision, reason, null,
                    req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(),
                    job == null ? null : "{\"job\":\"" + job.id() + "\",\"owner\":" + MAPPER.getNodeFactory().textNode(job.subject()) + "}"));
        }
    }
}
