package dev.warden.app;

import dev.warden.access.AuthorizeStage;
import dev.warden.admission.AdmitStage;
import dev.warden.admission.ClientLimitsStage;
import dev.warden.admission.FairQueues;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.TenantClients;
import dev.warden.body.ReadBodyStage;
import dev.warden.cache.CacheStage;
import dev.warden.cache.ResponseCache;
import dev.warden.config.StageSwitch;
import dev.warden.config.WardenConfig;
import dev.warden.crypto.KeyHasher;
import dev.warden.http.ProblemWriter;
import dev.warden.identity.AuthenticateStage;
import dev.warden.identity.Introspector;
import dev.warden.identity.JwksCache;
import dev.warden.guard.GuardStage;
import dev.warden.jobs.JobScheduler;
import dev.warden.jobs.JobStage;
import dev.warden.objects.BatchesStage;
import dev.warden.objects.FilesStage;
import dev.warden.objects.ObjectRegistry;
import dev.warden.objects.OwnershipStage;
import dev.warden.observe.AccessLog;
import dev.warden.observe.AccessLogStage;
import dev.warden.observe.GatewayMetrics;
import dev.warden.observe.MetricsStage;
import dev.warden.observe.RequestIdStage;
import dev.warden.observe.TraceStage;
import dev.warden.observe.Tracing;
import dev.warden.pipeline.PipelineRunner;
import dev.warden.pipeline.StageSlot;
import dev.warden.provider.UpstreamSecrets;
import dev.warden.proxy.Deadlines;
import dev.warden.proxy.ForwardStage;
import dev.warden.proxy.ModelListStage;
import dev.warden.proxy.RespondStage;
import dev.warden.proxy.ServiceTokenStage;
import dev.warden.record.AuditStage;
import dev.warden.record.AuditWriter;
import dev.warden.record.LedgerWriter;
import dev.warden.record.PayloadStage;
import dev.warden.record.UsageStage;
import dev.warden.routing.RouteStage;
import dev.warden.routing.UpstreamRegistry;
import dev.warden.spend.BudgetPacing;
import dev.warden.tenant.IdentifyStage;
import dev.warden.token.ServiceTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.List;
import java.util.function.Predicate;

/** THE data-plane pipeline, as one list, in order. Read it top to bottom to follow a request. */
public final class Pipelines {
    private Pipelines() {
    }

    /** Builds the list for one event loop ({@code vertx} must be called from that loop's context). */
    public static PipelineRunner dataPlane(Vertx vertx, HttpClient upstreams, KeyHasher hasher, GatewayMetrics metrics,
                                           Tracing tracing, AccessLog.Batch accessLog, AccessLog log, ServiceTokens serviceTokens,
                                           JwksCache.Shared jwks, WardenConfig config, ControlPlane control,
                                           JobScheduler jobs, LimiterStore limiter,
                                           FairQueues queues, UpstreamRegistry routes,
                                           ResponseCache cache, UpstreamSecrets secrets, ObjectRegistry objects,
                                           TenantClients clients) {
        AuditWriter audit = control == null ? null : control.audit();
        LedgerWriter ledger = control == null ? null : control.ledger();
        Deadlines deadlines = new Deadlines(vertx);            // this loop's timeouts, one tick
        StageSwitch authorize = config.stage("authorize");
        List<StageSlot> stages = List.of(
                new StageSlot(new AccessLogStage(log, accessLog), config.telemetry().accessLog(), true), // one JSON line, last
                StageSlot.always(new MetricsStage(metrics)),          // counts every exchange on completion
                StageSlot.always(new RequestIdStage()),               // a fresh id for logs and headers
                StageSlot.always(new TraceStage(tracing)),            // W3C trace ids, a span when exported
                new StageSlot(new AuditStage(audit), audit != null, true), // fail closed; audits refusals
                new StageSlot(new UsageStage(ledger), ledger != null, true), // fail closed; one ledger row per upstream call
                StageSlot.always(new IdentifyStage()),                // which tenant does it name?
                StageSlot.always(new AuthenticateStage(hasher, control == null ? null : control.keyUsage(),
                        new JwksCache(vertx, System::currentTimeMillis, jwks, config.egress()), new Introspector(vertx, System::currentTimeMillis, config.egress()))),
                                                                      // prove it: key, or the tenant IdP's token
                StageSlot.always(new ClientLimitsStage(clients)),     // what one tenant's clients hold and abandon, per replica
                StageSlot.always(new ReadBodyStage()),                // only now read and check the body
                new StageSlot(new AuthorizeStage(), authorize.enabled(), authorize.enforced()), // role, model
                new StageSlot(new PayloadStage(control == null ? null : control.payloads(),
                        control == null ? tenant -> 0 : control::payloadRetentionDays), control != null, true),
                                                                      // the tenant's opt-in payload log, sealed (never stdout)
                StageSlot.always(new ModelListStage()),               // GET /v1/models answered here
                StageSlot.always(new GuardStage(vertx, audit, metrics, new PoolModeration(vertx, upstreams, routes, secrets))),
                                                                      // the tier's guardrails on the prompt: block, redact, log, moderate
                StageSlot.always(new OwnershipStage(vertx, objects)), // stored responses: their tenant's only, on their upstream
                StageSlot.always(new FilesStage(vertx, control == null ? null : control.files(), control == null ? null : control.ring())),
                                                                      // /v1/files: the tenant's own, sealed in the control store
                StageSlot.always(new BatchesStage(vertx, control == null ? null : new BatchesStage.Deps(control.batches(), control.files(),
                        control.keyStore(), control.ring(), hasher, control::syncNow))), // /v1/batches, run by Warden
                StageSlot.always(new AdmitStage(vertx, limiter, queues,
                        control == null ? tenant -> 0 : tenant -> BudgetPacing.microsPerMinute(
                                control.alerts().statuses().getOrDefault(tenant, List.of()), System.currentTimeMillis()),
                        control == null ? tenant -> false : tenant -> !control.budgets().allowances(tenant, List.of()).isEmpty())),
                                                                      // worst-case cost; limits, budgets, quotas reserved; fair seats
                StageSlot.always(new RouteStage(routes)),             // pool, allowed regions, breakers, least loaded
                StageSlot.always(new CacheStage(cache, metrics)), // the tenant's own cached answer, if any
                StageSlot.always(new ServiceTokenStage(vertx, serviceTokens)), // a signed service token, if the pool asks
                StageSlot.always(new JobStage(vertx, control == null ? null : control.jobs(), jobs, upstreams,
                        Math.min(30_000, config.timeouts().firstByteMs()), serviceTokens, audit)),
                                                                      // the job API answered here
                StageSlot.always(new ForwardStage(upstreams, deadlines, secrets)), // send, wait for the response head
                StageSlot.always(new RespondStage(secrets)));           // check, tag, stream back
        return new PipelineRunner(stages, new ProblemWriter(), metrics);
    }
}
