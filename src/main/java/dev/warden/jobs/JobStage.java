package dev.warden.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.JobSettings;
import dev.warden.config.PoolConfig;
import dev.warden.config.Role;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.UpstreamConfig;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.http.SecurityHeaders;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.store.StoredJob;
import dev.warden.token.ServiceTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Answers the job operations ({@code /api/v1/tenants/{t}/jobs...}) once the caller is verified,
 * allowed, and (for a new job) routed to an upstream of its model's pool in an allowed region.
 *
 * <p>A job belongs to its tenant and its owner's subject, never to the token that started it: a
 * client token may expire and be replaced mid-job without touching the job. An owner sees their
 * own jobs, a tenant admin every job of the tenant; anyone else's job, and another tenant's, is
 * as absent as an id that never existed (404). A new job gets a renewal secret that goes to the
 * job service only; its worker renews its credential with it at {@code /internal/v1/jobs/{id}/token}.
 */
public final class JobStage implements Stage {
    private final Vertx vertx;
    private final JobRegistry registry;
    private final JobService service;
    private final ServiceTokens tokens;
    private final AuditWriter audit;
    private final Supplier<String> renewalBase;

    /** {@code registry} null: no control store, and so no jobs (503). */
    public JobStage(Vertx vertx, JobRegistry registry, HttpClient upstreams, long timeoutMs,
                    ServiceTokens tokens, AuditWriter audit, Supplier<String> renewalBase) {
        this.vertx = vertx;
        this.registry = registry;
        this.service = new JobService(upstreams, timeoutMs);
        this.tokens = tokens;
        this.audit = audit;
        this.renewalBase = renewalBase;
    }

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation operation = exchange.request().operation();
        if (!operation.job()) {
            return Outcome.continueNow();
        }
        if (registry == null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "Jobs need the control store, which is not configured.",
                    "jobs_without_store"));
        }
        Future<Outcome> answer = switch (operation) {
            case JOB_CREATE -> create(exchange);
            case JOB_LIST -> list(exchange);
            case JOB_GET -> get(exchange);
            case JOB_CANCEL -> cancel(exchange);
            default -> throw new IllegalStateException(operation.name());
        };
        return answer.recover(e -> Outcome.rejectNow(GatewayError.of(ErrorCode.STORE_UNAVAILABLE,
                "The job registry is unavailable; retry shortly.", "job_store_failed")));
    }

    // ------------------------------------------------------------------ create

    private Future<Outcome> create(Exchange exchange) {
        JobRequest request = JobRequest.parse(exchange.require(RequestContext.BODY));
        if (request.error() != null) {
            return Outcome.rejectNow(request.error());
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        JobSettings settings = snapshot.config().jobs();
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        PoolConfig pool = snapshot.config().pools().get(route.model().pool());
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        String id = JobRegistry.newId();
        String secret = JobRegistry.newSecret();
        long now = System.currentTimeMillis();
        StoredJob job = new StoredJob(id, p.tenantId(), new StoredJob.Owner(p.subject(), p.role().id(), p.method()), request.kind(),
                route.model().name(), new StoredJob.Placement(pool.name(), route.upstream().region(), route.upstream().url()),
                "queued", null, registry.hashSecret(secret), null, 0, 0, now, now);
        return registry.insertIfBelow(job, settings.maxActivePerTenant()).compose(inserted -> {
            if (inserted.isEmpty()) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.JOB_LIMIT, "This tenant already runs "
                        + settings.maxActivePerTenant() + " jobs; wait for one to finish or cancel one.", "job_limit"));
            }
            ObjectNode payload = JobView.MAPPER.createObjectNode().put("id", id).put("tenant", p.tenantId())
                    .put("kind", request.kind()).put("model", route.model().upstreamName());
            payload.set("params", request.params());
            payload.putObject("credentials").put("renewUrl", renewalBase.get() + "/internal/v1/jobs/" + id + "/token")
                    .put("secret", secret).put("renewEveryMs", settings.renewEveryMs());
            JobService.Call call = new JobService.Call(p.tenantId(), exchange.requestId(), exchange.get(RequestContext.SERVICE_TOKEN));
            return service.submit(route.upstream(), pool.jobsPath(), payload, call).compose(reply -> submitted(exchange, job, reply));
        });
    }

    private Future<Outcome> submitted(Exchange exchange, StoredJob job, JobService.Reply reply) {
        String upstreamId = reply.ok() ? JobService.upstreamId(reply.body()) : null;
        if (upstreamId == null) {
            GatewayError error = submitFailure(reply);
            return registry.update(job, "failed", null, error.reason()).map(x -> Outcome.reject(error));
        }
        return registry.update(job, "running", upstreamId, null)
                .compose(x -> registry.find(job.tenantId(), job.id()))
                .map(stored -> {
                    StoredJob now = stored.orElse(job);
                    record(exchange, "job.create", now, "{\"job\":\"" + now.id() + "\",\"model\":\"" + now.model() + "\",\"region\":\""
                            + now.placement().region() + "\"}");
                    exchange.request().http().response().putHeader("Location",
                            "/api/v1/tenants/" + now.tenantId() + "/jobs/" + now.id());
                    return send(exchange, 201, JobView.of(now, null));
                });
    }

    private static GatewayError submitFailure(JobService.Reply reply) {
        if ("isolation_violation".equals(reply.failure())) {
            return GatewayError.of(ErrorCode.ISOLATION_VIOLATION, "The job service's answer named another tenant; it was dropped.",
                    "job_service_tenant_mismatch");
        }
        if (reply.failure() == null && reply.status() >= 400 && reply.status() < 500) {
            return GatewayError.of(ErrorCode.INVALID_REQUEST, "The job service refused the job (" + reply.status() + ").",
                    "job_service_refused:" + reply.status());
        }
        return GatewayError.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The job service could not start the job.",
                "job_service_failed:" + (reply.failure() != null ? reply.failure() : Integer.toString(reply.status())));
    }

    // ------------------------------------------------------------------ read

    private Future<Outcome> list(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return registry.list(p.tenantId(), seesAll(p) ? null : p.subject()).map(jobs -> {
            ObjectNode out = JobView.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            jobs.forEach(j -> data.add(JobView.of(j, null)));
            return send(exchange, 200, out);
        });
    }

    private Future<Outcome> get(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return visibleJob(exchange).compose(found -> {
            if (found.isEmpty()) {
                return notFound();
            }
            StoredJob job = found.get();
            UpstreamConfig upstream = job.finished() ? null : placedUpstream(exchange, job);
            if (upstream == null) {
                return Future.succeededFuture(send(exchange, 200, JobView.of(job, null)));
            }
            return callFor(exchange, p, job)
                    .compose(call -> service.status(upstream, jobsPath(exchange, job), upstreamId(job), call))
                    .compose(reply -> {
                        JobService.Status live = reply.ok() ? JobService.status(reply.body()) : null;
                        if (live == null || !List.of("succeeded", "failed", "cancelled").contains(live.state())) {
                            return Future.succeededFuture(send(exchange, 200, JobView.of(job, live)));
                        }
                        // the job service says it ended: the registry follows (once; a finished job never changes)
                        return registry.update(job, live.state(), null, live.stopReason())
                                .compose(x -> registry.find(job.tenantId(), job.id()))
                                .map(now -> send(exchange, 200, JobView.of(now.orElse(job), live)));
                    });
        });
    }

    // ------------------------------------------------------------------ cancel

    private Future<Outcome> cancel(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return visibleJob(exchange).compose(found -> {
            if (found.isEmpty()) {
                return notFound();
            }
            StoredJob job = found.get();
            String reason = p.subject().equals(job.subject()) ? "cancelled_by_owner" : "cancelled_by_tenant_admin";
            return registry.update(job, "cancelled", null, reason).compose(changed -> {
                if (!changed) {
                    return Outcome.rejectNow(GatewayError.of(ErrorCode.JOB_FINISHED, "The job has already finished.", "job_finished"));
                }
                record(exchange, "job.cancel", job, "{\"job\":\"" + job.id() + "\",\"reason\":\"" + reason + "\"}");
                // Tell the job service now; if it cannot be told, the worker's next renewal is refused
                // and the job stops within one renewal period all the same.
                UpstreamConfig upstream = placedUpstream(exchange, job);
                if (upstream != null) {
                    callFor(exchange, p, job).compose(call -> service.cancel(upstream, jobsPath(exchange, job), upstreamId(job), call));
                }
                return registry.find(job.tenantId(), job.id()).map(now -> send(exchange, 200, JobView.of(now.orElse(job), null)));
            });
        });
    }

    // ------------------------------------------------------------------ helpers

    /** The job named in the path, if it is this tenant's and the caller may see it. */
    private Future<Optional<StoredJob>> visibleJob(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return registry.find(p.tenantId(), exchange.request().pathJob())
                .map(found -> found.filter(j -> seesAll(p) || j.subject().equals(p.subject())));
    }

    private static boolean seesAll(Principal p) {
        return p.role() == Role.TENANT_ADMIN;
    }

    private static Future<Outcome> notFound() {
        return Outcome.rejectNow(GatewayError.of(ErrorCode.NOT_FOUND, "No such job.", "job_unknown"));
    }

    /**
     * The upstream the job runs on, if the current config still has it and it is in a region the
     * tenant may still use (status calls never go where the tenant's traffic may not).
     */
    private static UpstreamConfig placedUpstream(Exchange exchange, StoredJob job) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        PoolConfig pool = snapshot.config().pools().get(job.placement().pool());
        Tenant tenant = exchange.require(RequestContext.TENANT);
        if (pool == null || !pool.runsJobs()) {
            return null;
        }
        for (UpstreamConfig u : pool.upstreams()) {
            if (u.url().equals(job.placement().upstreamUrl()) && (tenant.anyRegion() || tenant.regions().contains(u.region()))) {
                return u;
            }
        }
        return null;
    }

    private static String jobsPath(Exchange exchange, StoredJob job) {
        return exchange.require(RequestContext.SNAPSHOT).config().pools().get(job.placement().pool()).jobsPath();
    }

    private static String upstreamId(StoredJob job) {
        return job.upstreamJobId() != null ? job.upstreamJobId() : job.id();
    }

    /** The call's headers: a service token naming the caller, when the job's pool asks for one. */
    private Future<JobService.Call> callFor(Exchange exchange, Principal p, StoredJob job) {
        PoolConfig pool = exchange.require(RequestContext.SNAPSHOT).config().pools().get(job.placement().pool());
        if (!pool.serviceTokens()) {
            return Future.succeededFuture(new JobService.Call(p.tenantId(), exchange.requestId(), null));
        }
        return tokens.forPrincipal(vertx, p.tenantId(), p.subject(), p.role().id(), job.placement().region(), pool.name())
                .map(token -> new JobService.Call(p.tenantId(), exchange.requestId(), token));
    }

    private void record(Exchange exchange, String action, StoredJob job, String detail) {
        if (audit != null) {
            Principal p = exchange.require(RequestContext.PRINCIPAL);
            audit.record(new AuditEvent(System.currentTimeMillis(), job.tenantId(), p.subject(), action, "allow", "ok",
                    exchange.requestId(), exchange.request().remoteAddress(), detail));
        }
    }

    private static Outcome send(Exchange exchange, int status, ObjectNode body) {
        HttpServerResponse response = exchange.request().http().response();
        SecurityHeaders.apply(response.headers(), exchange);
        response.putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
        response.setStatusCode(status);
        exchange.responseStatus(status);
        return new Outcome.Respond(new Outcome.Reply.Sent(response.end(body.toString())));
    }
}
