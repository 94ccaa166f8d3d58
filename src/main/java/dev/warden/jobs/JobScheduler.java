package dev.warden.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.JobSettings;
import dev.warden.config.PoolConfig;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;
import dev.warden.config.UpstreamConfig;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.store.StoredJob;
import dev.warden.token.ServiceTokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts queued jobs when their pool's job GPUs allow, in the fair order of {@link JobQueue}: in
 * one store transaction (every replica's starts one at a time) the jobs that start now are marked
 * running and given their renewal secret's hash; only then is each sent to its job service, with
 * the secret (which exists nowhere else). A job that cannot be sent fails with the reason, and its
 * GPUs go to the next. Runs when a job is created or ends, and every second for what changed
 * elsewhere (another replica, a job that ran out its time). A job whose start was claimed by a
 * replica that died before it was sent is failed ({@code start_lost}) after a minute.
 */
public final class JobScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(JobScheduler.class);
    /** The fair share looks this far back. */
    static final long HISTORY_MS = 24 * 3_600_000L;
    private static final long START_GRACE_MS = 60_000;

    private final Vertx vertx;
    private final JobRegistry registry;
    private final JobService service;
    private final SnapshotHolder snapshots;
    private final ServiceTokens tokens;
    private final AuditWriter audit;
    private final Supplier<String> renewalBase;
    private final JobBudget budget;
    private final Function<String, String> overLimit;
    /** Per pool with a pass running: the pass a kick meanwhile asked for, to run after it (null: none asked). */
    private final Map<String, Optional<Promise<Void>>> passes = new ConcurrentHashMap<>();

    /** {@code upstreams}: the client job services are called with, each call bounded by {@code timeoutMs}. */
    public JobScheduler(Vertx vertx, JobRegistry registry, HttpClient upstreams, long timeoutMs, SnapshotHolder snapshots,
                        ServiceTokens tokens, AuditWriter audit, JobBudget budget, Function<String, String> overLimit,
                        Supplier<String> renewalBase) {
        this.vertx = vertx;
        this.registry = registry;
        this.service = new JobService(upstreams, timeoutMs);
        this.snapshots = snapshots;
        this.tokens = tokens;
        this.audit = audit;
        this.renewalBase = renewalBase;
        this.budget = budget;
        this.overLimit = overLimit;
    }

    /**
     * Why the tenant's jobs must stop now (its spend is past a hard budget, or its GPU time past a
     * quota: a limit lowered while they ran), or null. As of the last alert cycle.
     */
    String overLimit(String tenant) {
        return overLimit.apply(tenant);
    }

    /** The job budget jobs are admitted on (the stage reserves with it). */
    JobBudget budget() {
        return budget;
    }

    /** A pass over each pool with queued or running jobs every {@code periodMs}; the timer's id (cancel it to stop). */
    public long every(long periodMs) {
        return vertx.setPeriodic(periodMs, id -> registry.activePools().onSuccess(pools -> pools.forEach(this::kick)));
    }

    /**
     * Starts what can start on {@code pool} now; completes when a pass that began after this call
     * has ended (a pass already running is followed by one more, which all the calls meanwhile share).
     */
    public Future<Void> kick(String pool) {
        synchronized (passes) {
            Optional<Promise<Void>> running = passes.get(pool);
            if (running != null) {
                Promise<Void> next = running.orElseGet(Promise::promise);
                passes.put(pool, Optional.of(next));
                return next.future();
            }
            passes.put(pool, Optional.empty());
        }
        Promise<Void> done = Promise.promise();
        run(pool, done);
        return done.future();
    }

    private void run(String pool, Promise<Void> done) {
        pass(pool).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("job start pass on pool {} failed: {}", pool, ar.cause().toString());
            }
            done.complete();
            Optional<Promise<Void>> next;
            synchronized (passes) {
                next = passes.get(pool);
                if (next == null || next.isEmpty()) {
                    passes.remove(pool);
                    return;
                }
                passes.put(pool, Optional.empty());
            }
            run(pool, next.get());
        });
    }

    /**
     * Ends a job: it is charged (what its worker reported, {@code reportedGpuMs}, or when negative
     * the GPU time it held until now, never past its worst case), moved to {@code state} with
     * {@code reason}, and its GPUs go to the next. False if it had already ended.
     */
    public Future<Boolean> end(StoredJob job, String state, String reason, long reportedGpuMs) {
        return charge(job, reportedGpuMs).compose(x -> close(job, state, reason)).map(changed -> {
            if (changed) {
                kick(job.placement().pool());
            }
            return changed;
        });
    }

    /**
     * Charges a running job what its worker reported ({@code reportedGpuMs}; negative: the GPU time
     * it held until now) at its pool's price, as {@link JobMeter} allows; true if that was news.
     */
    Future<Boolean> charge(StoredJob job, long reportedGpuMs) {
        PoolConfig pool = snapshots.current().config().pools().get(job.placement().pool());
        if (!job.state().equals("running") || pool == null || pool.jobCapacity() == null) {
            return Future.succeededFuture(false);
        }
        return registry.charge(job, JobMeter.charge(job, pool.jobCapacity(), reportedGpuMs, System.currentTimeMillis()));
    }

    /**
     * Moves an unfinished job to its end; if this call ended it, what it reserved and was not
     * charged goes back to its tenant's budgets (its charges are final: a finished job takes no report).
     */
    private Future<Boolean> close(StoredJob job, String state, String reason) {
        return registry.update(job, state, null, reason).compose(changed -> !changed ? Future.succeededFuture(false)
                : registry.find(job.tenantId(), job.id()).map(now -> {
                    StoredJob ended = now.orElse(job);
                    budget.refund(ended.tenantId(), Math.max(0, ended.resources().reservedMicros() - ended.run().chargedMicros()));
                    return true;
                }));
    }

    /** The queue of {@code pool} as it stands: each queued job's place. */
    Future<Map<String, JobQueue.Place>> places(String pool) {
        Snapshot snapshot = snapshots.current();
        PoolConfig config = snapshot.config().pools().get(pool);
        if (config == null || config.jobCapacity() == null) {
            return Future.succeededFuture(Map.of());
        }
        long now = System.currentTimeMillis();
        return registry.ofPool(pool, now - HISTORY_MS).map(jobs -> plan(snapshot, config, jobs, now).places());
    }

    private Future<Void> pass(String pool) {
        Snapshot snapshot = snapshots.current();
        PoolConfig config = snapshot.config().pools().get(pool);
        if (config == null || config.jobCapacity() == null) {
            return Future.succeededFuture();
        }
        Map<String, String> secrets = new HashMap<>();
        List<StoredJob> refused = new ArrayList<>();
        Map<String, String> refusals = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        return registry.start(pool, now - HISTORY_MS, poolJobs -> {
            lost(poolJobs, now);
            Map<String, String> picked = new LinkedHashMap<>();
            for (StoredJob j : plan(snapshot, config, poolJobs, now).startNow()) {
                String reason = JobStanding.refusal(j, snapshot, now);
                reason = reason != null ? reason : overLimit(j.tenantId());
                if (reason != null) {
                    refused.add(j);
                    refusals.put(j.id(), reason);
                    continue;
                }
                String secret = JobRegistry.newSecret();
                secrets.put(j.id(), secret);
                picked.put(j.id(), registry.hashSecret(secret));
            }
            return picked;
        }).compose(started -> {
            List<Future<?>> sent = new ArrayList<>();
            for (StoredJob j : refused) {
                sent.add(close(j, "failed", refusals.get(j.id())).onSuccess(x -> record(j, "job.start", "deny",
                        refusals.get(j.id()))));
            }
            for (StoredJob j : started) {
                sent.add(submit(snapshot, config, j, secrets.get(j.id())));
            }
            return Future.join(sent).<Void>mapEmpty();
        });
    }

    /** The pool's plan with the tenants' weights and GPU limits from the snapshot. */
    private static JobQueue.Plan plan(Snapshot snapshot, PoolConfig config, List<StoredJob> jobs, long now) {
        return JobQueue.plan(config.jobCapacity().gpus(), jobs, now, t -> {
            Tenant tenant = snapshot.tenant(t);
            return tenant == null ? 1 : tenant.limits().weight();
        }, t -> {
            Tenant tenant = snapshot.tenant(t);
            return tenant == null || tenant.tier() == null ? 0 : tenant.tier().jobs().maxGpus();
        });
    }

    /**
     * Running jobs that hold GPUs for nothing: a start claimed over a minute ago that never reached
     * the job service (failed, {@code start_lost}), and a job a minute past its longest run whose
     * worker went quiet (ended {@code max_time_reached}, charged what it held, at most its worst case).
     */
    private void lost(List<StoredJob> poolJobs, long now) {
        for (StoredJob j : poolJobs) {
            if (!j.state().equals("running") || j.run().startedAtMs() == 0) {
                continue;
            }
            if (j.upstreamJobId() == null && now - j.run().startedAtMs() > START_GRACE_MS) {
                close(j, "failed", "start_lost").onSuccess(changed -> {
                    if (changed) {
                        record(j, "job.start", "deny", "start_lost");
                    }
                });
            } else if (now - j.run().startedAtMs() > j.resources().maxMs() + START_GRACE_MS) {
                end(j, "failed", "max_time_reached", -1).onSuccess(changed -> {
                    if (changed) {
                        record(j, "job.stop", "deny", "max_time_reached");
                    }
                });
            }
        }
    }

    /** Sends a started job to its job service, with its secret; it runs, or fails with the reason. */
    private Future<Void> submit(Snapshot snapshot, PoolConfig pool, StoredJob job, String secret) {
        UpstreamConfig upstream = pool.upstreams().stream().filter(u -> u.url().equals(job.placement().upstreamUrl())).findFirst()
                .orElse(null);
        if (upstream == null) {
            return fail(job, "upstream_removed");
        }
        JobSettings settings = snapshot.config().jobs();
        ModelName model = new ModelName(snapshot, job.model());
        ObjectNode payload = JobView.MAPPER.createObjectNode().put("id", job.id()).put("tenant", job.tenantId())
                .put("kind", job.kind()).put("model", model.upstream());
        payload.set("params", params(job));
        payload.putObject("resources").put("gpus", job.resources().gpus()).put("maxSeconds", job.resources().maxMs() / 1000.0);
        payload.putObject("credentials").put("renewUrl", renewalBase.get() + JobRenewal.PREFIX + job.id() + "/token")
                .put("finishUrl", renewalBase.get() + JobRenewal.PREFIX + job.id() + "/finish")
                .put("secret", secret).put("renewEveryMs", settings.renewEveryMs());
        Future<String> token = pool.serviceTokens()
                ? tokens.forPrincipal(vertx, job.tenantId(), job.subject(), job.owner().role(), job.placement().region(), pool.name())
                : Future.succeededFuture(null);
        return token.compose(t -> service.submit(upstream, pool.jobsPath(), payload, new JobService.Call(job.tenantId(), job.id(), t)))
                .compose(reply -> {
                    String upstreamId = reply.ok() ? JobService.upstreamId(reply.body()) : null;
                    if (upstreamId == null) {
                        return fail(job, JobService.failureReason(reply));
                    }
                    return registry.update(job, "running", upstreamId, null).map(x -> {
                        record(job, "job.start", "allow", "ok");
                        return (Void) null;
                    });
                }, e -> fail(job, "job_service_failed:unreachable"));
    }

    private Future<Void> fail(StoredJob job, String reason) {
        return close(job, "failed", reason).map(changed -> {
            record(job, "job.start", "deny", reason);
            kick(job.placement().pool()); // its GPUs go to the next
            return null;
        });
    }

    private static ObjectNode params(StoredJob job) {
        try {
            return job.params() == null ? JobView.MAPPER.createObjectNode() : (ObjectNode) JobView.MAPPER.readTree(job.params());
        } catch (Exception e) {
            return JobView.MAPPER.createObjectNode(); // stored by us from a checked object: not reached
        }
    }

    /** The name the upstream knows a model by (the model may have left the config since: then its own name). */
    private record ModelName(Snapshot snapshot, String model) {
        String upstream() {
            var m = snapshot.config().models().get(model);
            return m == null ? model : m.upstreamName();
        }
    }

    private void record(StoredJob job, String action, String decision, String reason) {
        if (audit != null) {
            audit.record(new AuditEvent(System.currentTimeMillis(), job.tenantId(), job.subject(), action, decision, reason, null, null,
                    "{\"job\":\"" + job.id() + "\",\"pool\":\"" + job.placement().pool() + "\",\"gpus\":" + job.resources().gpus() + "}"));
        }
    }
}
