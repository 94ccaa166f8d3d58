package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Budget;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.TenantSpend;
import dev.warden.spend.Alert;
import dev.warden.spend.AlertMonitor;
import dev.warden.spend.BudgetStatus;
import dev.warden.spend.GpuHoursStatus;
import dev.warden.spend.PoolStatus;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToLongBiFunction;

/**
 * Spend against budgets, forecasts and alerts, as of the {@link AlertMonitor}'s last cycle:
 * {@code GET /admin/v1/alerts} (a tenant admin sees its own tenants' only) and
 * {@code GET /admin/v1/tenants/{id}/spend} and {@code .../alerts}. Served from memory (only the tenant's existence is read).
 */
final class SpendAdmin {
    private final AlertMonitor monitor;
    private final Predicate<String> tenantExists;
    private final AdminCalls calls;

    private final ToLongBiFunction<String, Budget.Period> reservedMicros;

    /** {@code reservedMicros}: what a tenant's requests in flight hold on its budget of a period (admission). */
    SpendAdmin(AlertMonitor monitor, Predicate<String> tenantExists, AdminCalls calls,
               ToLongBiFunction<String, Budget.Period> reservedMicros) {
        this.reservedMicros = reservedMicros;
        this.calls = calls;
        this.monitor = monitor;
        this.tenantExists = tenantExists;
    }

    void alerts(HttpServerRequest req, AdminPrincipal principal, String onlyTenant) {
        if (!get(req)) {
            return;
        }
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        add(out.putArray("active"), monitor.active(), principal, onlyTenant);
        add(out.putArray("recent"), monitor.recent(), principal, onlyTenant);
        AdminJson.send(req.response(), 200, out);
    }

    /** Every pool's saturation forecast and job GPUs, as of the last alert cycle (platform admins). */
    void pools(HttpServerRequest req) {
        if (!get(req)) {
            return;
        }
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("pools");
        for (PoolStatus s : monitor.poolStatuses()) {
            ObjectNode p = list.addObject().put("pool", s.pool()).put("seats", s.seats()).put("seatsInUse", s.seatsInUse())
                    .put("waiting", s.waiting())
                    .put("concurrencyNow", Math.round(s.concurrencyNow() * 100) / 100.0)
                    .put("expectedPeak", Math.round(s.expectedPeak() * 100) / 100.0);
            if (s.saturating()) {
                p.put("saturationAt", Instant.ofEpochMilli(s.saturationAtMs()).toString());
            } else {
                p.putNull("saturationAt");
            }
            if (s.jobGpus() > 0) {
                p.putObject("jobs").put("gpus", s.jobGpus()).put("runningGpus", s.runningJobGpus()).put("queuedGpus", s.queuedJobGpus())
                        .put("queuedJobs", s.queuedJobs());
            }
        }
        AdminJson.send(req.response(), 200, out);
    }

    void spend(HttpServerRequest req, AdminPrincipal principal, String tenant) {
        if (!get(req)) {
            return;
        }
        calls.blocking(req, principal, () -> tenantExists.test(tenant) ? AdminCalls.Answer.ok(200, spendView(tenant))
                : AdminCalls.Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant."));
    }

    /** Adds each listed tenant's spend today (from the ledger, as of the last alert cycle) to a traffic view. */
    void addToday(ObjectNode traffic) {
        for (JsonNode t : traffic.path("tenants")) {
            TenantSpend today = monitor.today().get(t.path("tenant").asText());
            ((ObjectNode) t).put("costTodayMicros", today == null ? 0 : today.costMicros());
        }
    }

    /** Each budget of the tenant: limit, spent (as of the last alert cycle), rate, projection, and live reservations. */
    ArrayNode budgetsView(String tenant) {
        ArrayNode budgets = AdminJson.MAPPER.createArrayNode();
        for (BudgetStatus s : monitor.statuses().getOrDefault(tenant, List.of())) {
            ObjectNode b = budgets.addObject().put("period", s.budget().period().id())
                    .put("periodStart", Instant.ofEpochMilli(s.periodStartMs()).toString())
                    .put("periodEnd", Instant.ofEpochMilli(s.periodEndMs()).toString())
                    .put("limitMicros", s.budget().limitMicros()).put("softPercent", s.budget().softPercent())
                    .put("hard", s.budget().hard()).put("spentMicros", s.spentMicros()).put("remainingMicros", s.remainingMicros())
                    .put("ratePerHourMicros", s.ratePerHourMicros()).put("shortRatePerHourMicros", s.shortRatePerHourMicros())
                    .put("projectedMicros", s.projectedMicros())
                    .put("exhausted", s.exhausted());
            long reserved = reservedMicros.applyAsLong(tenant, s.budget().period());
            // requests in flight hold their worst case: what is left for new ones is less than "remaining"
            b.put("reservedMicros", reserved).put("availableMicros", Math.max(0, s.budget().limitMicros() - s.spentMicros() - reserved));
            if (s.exhaustionAtMs() > 0) {
                b.put("projectedExhaustion", Instant.ofEpochMilli(s.exhaustionAtMs()).toString());
            } else {
                b.putNull("projectedExhaustion");
            }
        }
        return budgets;
    }

    /** Each GPU-hour quota of the tenant's tier: limit, used, committed (unfinished jobs' worst case), expected demand, projection. */
    ArrayNode gpuHoursView(String tenant) {
        ArrayNode out = AdminJson.MAPPER.createArrayNode();
        for (GpuHoursStatus s : monitor.gpuHourStatuses().getOrDefault(tenant, List.of())) {
            ObjectNode q = out.addObject().put("period", s.period().id())
                    .put("periodEnd", Instant.ofEpochMilli(s.periodEndMs()).toString())
                    .put("limitGpuHours", hours(s.limitGpuMs())).put("usedGpuHours", hours(s.usedGpuMs()))
                    .put("committedGpuHours", hours(s.committedGpuMs())).put("expectedPerHourGpuHours", hours(s.ratePerHourGpuMs()))
                    .put("projectedGpuHours", hours(s.projectedGpuMs())).put("exhausted", s.exhausted());
            if (s.exhaustionAtMs() > 0) {
                q.put("projectedExhaustion", Instant.ofEpochMilli(s.exhaustionAtMs()).toString());
            } else {
                q.putNull("projectedExhaustion");
            }
        }
        return out;
    }

    /** GPU-hours to six decimals (3.6 ms). */
    private static double hours(long gpuMs) {
        return Math.round(gpuMs / 3.6) / 1_000_000.0;
    }

    private ObjectNode spendView(String tenant) {
        ObjectNode out = AdminJson.MAPPER.createObjectNode().put("tenant", tenant);
        TenantSpend today = monitor.today().get(tenant);
        out.putObject("today").put("requests", today == null ? 0 : today.requests())
                .put("inputTokens", today == null ? 0 : today.inputTokens())
                .put("outputTokens", today == null ? 0 : today.outputTokens())
                .put("costMicros", today == null ? 0 : today.costMicros());
        out.set("budgets", budgetsView(tenant));
        out.set("gpuHours", gpuHoursView(tenant));
        return out;
    }

    private static void add(ArrayNode list, List<Alert> alerts, AdminPrincipal principal, String onlyTenant) {
        for (Alert a : alerts) {
            if (principal.sees(a.tenant()) && (onlyTenant == null || onlyTenant.equals(a.tenant()))) {
                list.addObject().put("id", a.id()).put("tenant", a.tenant()).put("kind", a.kind()).put("severity", a.severity())
                        .put("message", a.message()).put("raisedAt", Instant.ofEpochMilli(a.raisedAtMs()).toString());
            }
        }
    }

    private static boolean get(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET) {
            return true;
        }
        req.response().putHeader("Allow", "GET");
        AdminJson.problem(req.response(), GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "This route accepts GET only."));
        return false;
    }
}
