package dev.warden.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Budget;
import dev.warden.config.JobCapacity;
import dev.warden.config.JobLimits;
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

/**
 * Answers the job operations ({@code /api/v1/tenants/{t}/jobs...}) once the caller is verified,
 * allowed, and (for a new job) routed to an upstream of its model's pool in an allowed region.
 *
 * <p>A job belongs to its tenant and its owner's subject, never to the token that started it: a
 * client token may expire and be replaced mid-job without touching the job. An owner sees their
 * own jobs, a tenant admin every job of the tenant; anyone else's job, and another tenant's, is
 * as absent as an id that never existed (404). A new job is admitted on its GPUs and GPU time
 * and waits for its pool's job GPUs ({@link JobScheduler}); when it starts it gets a renewal
 * secret that goes to the job service only; its worker renews its credential with it at
 * {@code /internal/v1/jobs/{id}/token} and reports what it ran ({@link JobRenewal}).
 */
public final class JobStage implements Stage {
    private final Vertx vertx;
    private final JobRegistry registry;
    private final JobScheduler scheduler;
    private final JobService service;
    private final ServiceTokens tokens;
    private final AuditWriter audit;

    /** {@code registry} and {@code scheduler} null: no control store, and so no jobs (503). */
    public JobStage(Vertx vertx, JobRegistry registry, JobScheduler scheduler, HttpClient upstreams, long timeoutMs,
                    ServiceTokens tokens, AuditWriter audit) {
        this.vertx = vertx;
        this.registry = registry;
        this.scheduler = scheduler;
        this.service = new JobService(upstreams, timeoutMs);
        this.tokens = tokens;
        this.audit = audit;
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
        if (registry == null || scheduler == null) {
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

    /**
     * Admits a new job: sizes that can never fit are refused (400 {@code job_too_large}); the
     * tenant's active jobs ({@code jobs.maxActivePerTenant}, 429 {@code job_limit}) and GPU-hour
     * quotas (its worst case, GPUs x longest run, beside what it used this day and month and what
     * its other jobs may still use: 429 {@code quota_exhausted}) are checked in the store's
     * transaction that queues it. It then starts at once if its pool's job GPUs allow, or waits in
     * the pool's fair queue with a position and an estimated start.
     */
    private Future<Outcome> create(Exchange exchange) {
        JobRequest request = JobRequest.parse(exchange.require(RequestContext.BODY));
        if (request.error() != null) {
            return Outcome.rejectNow(request.error());
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        JobSettings settings = snapshot.config().jobs();
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        PoolConfig pool = snapshot.config().pools().get(route.model().pool());
        JobCapacity capacity = pool.jobCapacity();
        Tenant tenant = exchange.require(RequestContext.TENANT);
        JobLimits limits = tenant.tier() == null ? JobLimits.NONE : tenant.tier().jobs();
        GatewayError tooLarge = tooLarge(request, capacity, limits);
        if (tooLarge != null) {
            return Outcome.rejectNow(tooLarge);
        }
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        long now = System.currentTimeMillis();
        long worstGpuMs = (long) request.gpus() * request.maxMs();
        StoredJob job = new StoredJob(JobRegistry.newId(), p.tenantId(), new StoredJob.Owner(p.subject(), p.role().id(), p.method()),
                request.kind(), route.model().name(), new StoredJob.Placement(pool.name(), route.upstream().region(),
                route.upstream().url()), "queued", null, registry.hashSecret(JobRegistry.newSecret()), null, 0, 0, now, now,
                new StoredJob.Resources(request.gpus(), request.maxMs(), capacity.costMicros(worstGpuMs)),
                request.params().toString(), StoredJob.Run.NOT_STARTED);
        // its worst case's cost on the tenant's hard budgets first (shared with its requests), then its place in the store
        return reserve(job).compose(reserved -> {
            if (reserved.refusal() != null) {
                exchange.addResponseHeader("Retry-After", Long.toString(Math.max(1, reserved.retryAfterSeconds())));
                return Outcome.rejectNow(reserved.refusal());
            }
            return registry.admit(job, (active, today, month) -> refusal(active, today, month, job, settings, limits))
                    .onComplete(ar -> reserved.outcome().accept(ar.succeeded() && ar.result().refusal() == null))
                    .compose(admitted -> admitted.refusal() != null
                            ? Outcome.rejectNow(refusal(exchange, admitted.refusal(), settings, now))
                            : queued(exchange, job, pool));
        });
    }

    private Future<JobBudget.Reserved> reserve(StoredJob job) {
        long micros = job.resources().reservedMicros();
        return micros == 0 ? Future.succeededFuture(new JobBudget.Reserved(null, 0, kept -> { }))
                : scheduler.budget().reserve(job.tenantId(), job.subject(), job.model(), micros);
    }

    /** Why the store may not take the job (null: it may), judged in the transaction that stores it. */
    private static String refusal(List<StoredJob> active, long today, long month, StoredJob job, JobSettings settings, JobLimits limits) {
        if (active.size() >= settings.maxActivePerTenant()) {
            return "job_limit";
        }
        long worst = job.resources().maxGpuMs();
        long outstanding = active.stream().mapToLong(j -> j.resources().maxGpuMs() - j.run().usedGpuMs()).sum();
        if (limits.gpuMsPerDay() > 0 && today + outstanding + worst > limits.gpuMsPerDay()) {
            return "gpu_hours_exhausted:day";
        }
        if (limits.gpuMsPerMonth() > 0 && month + outstanding + worst > limits.gpuMsPerMonth()) {
            return "gpu_hours_exhausted:month";
        }
        return null;
    }

    /** The job is stored: audited, and its pool's first pass decides at once whether it starts now; the answer says what it is. */
    private Future<Outcome> queued(Exchange exchange, StoredJob job, PoolConfig pool) {
        record(exchange, "job.create", job, "{\"job\":\"" + job.id() + "\",\"model\":\"" + job.model() + "\",\"region\":\""
                + job.placement().region() + "\",\"gpus\":" + job.resources().gpus() + "}");
        return scheduler.kick(pool.name()).transform(x -> registry.find(job.tenantId(), job.id())).compose(stored -> {
            StoredJob current = stored.orElse(job);
            GatewayError failed = startFailure(current);
            if (failed != null) {
                return Outcome.rejectNow(failed);
            }
            exchange.request().http().response().putHeader("Location", "/api/v1/tenants/" + job.tenantId() + "/jobs/" + job.id());
            return view(current, null).map(view -> send(exchange, 201, view));
        });
    }

    /** A job that could never run here: more GPUs than the pool lends or the tier allows at once, or longer than the pool allows. */
    private static GatewayError tooLarge(JobRequest request, JobCapacity capacity, JobLimits limits) {
        if (request.gpus() > capacity.gpus()) {
            return GatewayError.of(ErrorCode.JOB_TOO_LARGE, "The job asks for " + request.gpus() + " GPUs; this pool lends jobs "
                    + capacity.gpus() + ".", "job_gpus_over_pool");
        }
        if (limits.maxGpus() > 0 && request.gpus() > limits.maxGpus()) {
            return GatewayError.of(ErrorCode.JOB_TOO_LARGE, "The job asks for " + request.gpus() + " GPUs; this tenant's jobs may hold "
                    + limits.maxGpus() + " at once.", "job_gpus_over_tier");
        }
        if (request.maxMs() > capacity.maxJobMs()) {
            return GatewayError.of(ErrorCode.JOB_TOO_LARGE, "The job asks to run " + request.maxMs() / 3_600_000.0
                    + " hours; this pool runs a job for at most " + capacity.maxJobMs() / 3_600_000.0 + ".", "job_too_long");
        }
        return null;
    }

    private static GatewayError refusal(Exchange exchange, String reason, JobSettings settings, long now) {
        if (reason.equals("job_limit")) {
            return GatewayError.of(ErrorCode.JOB_LIMIT, "This tenant already has " + settings.maxActivePerTenant()
                    + " queued or running jobs; wait for one to finish or cancel one.", "job_limit");
        }
        Budget.Period period = reason.endsWith(":day") ? Budget.Period.DAY : Budget.Period.MONTH;
        exchange.addResponseHeader("Retry-After", Long.toString(Math.max(1, (period.endMs(now) - now + 999) / 1000)));
        return GatewayError.of(ErrorCode.QUOTA_EXHAUSTED, "The job's GPU time (its GPUs x its longest run) would take this tenant past its "
                + "GPU-hours per " + period.id() + ".", reason);
    }

    /** A job that failed as it was sent to its job service (in the pass its creation ran): the caller is told so at once. */
    private static GatewayError startFailure(StoredJob job) {
        String reason = job.stopReason();
        if (!job.state().equals("failed") || reason == null || !reason.startsWith("job_service_")) {
            return null;
        }
        if (reason.equals("job_service_tenant_mismatch")) {
            return GatewayError.of(ErrorCode.ISOLATION_VIOLATION, "The job service's answer named another tenant; it was dropped.", reason);
        }
        if (reason.startsWith("job_service_refused:")) {
            return GatewayError.of(ErrorCode.INVALID_REQUEST, "The job service refused the job (" + reason.substring(20) + ").", reason);
        }
        return GatewayError.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The job service could not start the job " + job.id() + ".", reason);
    }

    // ------------------------------------------------------------------ read

    private Future<Outcome> list(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return registry.list(p.tenantId(), seesAll(p) ? null : p.subject()).map(jobs -> {
            ObjectNode out = JobView.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            jobs.forEach(j -> data.add(JobView.of(j, null, null)));
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
            UpstreamConfig upstream = !job.state().equals("running") || job.upstreamJobId() == null ? null : placedUpstream(exchange, job);
            if (upstream == null) {
                return view(job, null).map(view -> send(exchange, 200, view));
            }
            return callFor(exchange, p, job)
                    .compose(call -> service.status(upstream, jobsPath(exchange, job), upstreamId(job), call))
                    .compose(reply -> {
                        JobService.Status live = reply.ok() ? JobService.status(reply.body()) : null;
                        if (live == null || !List.of("succeeded", "failed", "cancelled").contains(live.state())) {
                            return view(job, live).map(view -> send(exchange, 200, view));
                        }
                        // the job service says it ended: the registry follows (once; a finished job never changes),
                        // charged what its worker reported (the tail it did not report is not charged)
                        return scheduler.end(job, live.state(), live.stopReason(), job.run().usedGpuMs())
                                .compose(x -> registry.find(job.tenantId(), job.id()))
                                .compose(now -> view(now.orElse(job), live)).map(view -> send(exchange, 200, view));
                    });
        });
    }

    /** A job's view; a queued one with its place in its pool's queue. */
    private Future<ObjectNode> view(StoredJob job, JobService.Status live) {
        if (!job.state().equals("queued")) {
            return Future.succeededFuture(JobView.of(job, live, null));
        }
        return scheduler.places(job.placement().pool()).map(places -> JobView.of(job, live, places.get(job.id())));
    }

    // ------------------------------------------------------------------ cancel

    /**
     * Cancels a job: a queued one leaves the queue; a running one is charged the GPU time it held
     * until now, and its job service is told (if it cannot be, the worker's next renewal is refused
     * and the job stops within one renewal period all the same).
     */
    private Future<Outcome> cancel(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return visibleJob(exchange).compose(found -> {
            if (found.isEmpty()) {
                return notFound();
            }
            StoredJob job = found.get();
            String reason = p.subject().equals(job.subject()) ? "cancelled_by_owner" : "cancelled_by_tenant_admin";
            return scheduler.end(job, "cancelled", reason, -1).compose(changed -> {
                if (!changed) {
                    return Outcome.rejectNow(GatewayError.of(ErrorCode.JOB_FINISHED, "The job has already finished.", "job_finished"));
                }
                record(exchange, "job.cancel", job, "{\"job\":\"" + job.id() + "\",\"reason\":\"" + reason + "\"}");
                UpstreamConfig upstream = job.upstreamJobId() == null ? null : placedUpstream(exchange, job);
                if (upstream != null) {
                    callFor(exchange, p, job).compose(call -> service.cancel(upstream, jobsPath(exchange, job), upstreamId(job), call));
                }
                return registry.find(job.tenantId(), job.id()).map(now -> send(exchange, 200, JobView.of(now.orElse(job), null, null)));
            });
        });
    }

    // ------------------------------------------------------------------ helpers

    /** The job named in the path, if it is this tenant's and the caller may see it. */
    private Future<Optional<StoredJob>> visibleJob(Exchange exchange) {
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        return registry.find(p.tenantId(), exchange.request().pathId())
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
