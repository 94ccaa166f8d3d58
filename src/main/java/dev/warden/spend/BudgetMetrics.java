package dev.warden.spend;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Budget gauges, refreshed after every alert cycle: remaining budget and seconds until projected
 * exhaustion per tenant and period, and active alerts by kind. Tenants past the metrics label cap
 * are left out of the per-tenant gauges (their alerts still count).
 */
public final class BudgetMetrics {
    private final MultiGauge remaining;
    private final MultiGauge exhaustion;
    private final MultiGauge alerts;
    private final MultiGauge gpuExhaustion;
    private final MultiGauge poolSaturation;
    private final UnaryOperator<String> tenantLabel;

    public BudgetMetrics(MeterRegistry registry, UnaryOperator<String> tenantLabel) {
        this.tenantLabel = tenantLabel;
        remaining = MultiGauge.builder("warden_budget_remaining_micros")
                .description("Budget left in the current period, micro-units").register(registry);
        exhaustion = MultiGauge.builder("warden_budget_exhaustion_seconds")
                .description("Seconds until the budget runs out at the last hour's rate (-1: not within the period)").register(registry);
        alerts = MultiGauge.builder("warden_alerts_active").description("Active alerts by kind").register(registry);
        gpuExhaustion = MultiGauge.builder("warden_gpu_hours_exhaustion_seconds")
                .description("Seconds until a GPU-hour quota runs out at the expected demand (0: used up; -1: not within the period)")
                .register(registry);
        poolSaturation = MultiGauge.builder("warden_pool_saturation_seconds")
                .description("Seconds until a pool's expected concurrency reaches its seats (0: saturated; -1: not within 24 hours)")
                .register(registry);
    }

    /** The pools' saturation forecasts. */
    public void publishPools(List<PoolStatus> statuses, long nowMs) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PoolStatus s : statuses) {
            if (s.seats() > 0) {
                rows.add(MultiGauge.Row.of(Tags.of("pool", s.pool()),
                        s.saturating() ? Math.max(0, (s.saturationAtMs() - nowMs) / 1000.0) : -1));
            }
        }
        poolSaturation.register(rows, true);
    }

    /** The GPU-hour quotas' forecasts, like the budgets'. */
    public void publishGpuHours(Map<String, List<GpuHoursStatus>> statuses, long nowMs) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        statuses.forEach((tenant, list) -> {
            if (!tenantLabel.apply(tenant).equals(tenant)) {
                return;
            }
            for (GpuHoursStatus s : list) {
                rows.add(MultiGauge.Row.of(Tags.of("tenant", tenant, "period", s.period().id()),
                        s.exhausted() ? 0 : s.exhaustionAtMs() == 0 ? -1 : (s.exhaustionAtMs() - nowMs) / 1000.0));
            }
        });
        gpuExhaustion.register(rows, true);
    }

    public void publish(Map<String, List<BudgetStatus>> statuses, List<Alert> active, long nowMs) {
        List<MultiGauge.Row<?>> rem = new ArrayList<>();
        List<MultiGauge.Row<?>> exh = new ArrayList<>();
        statuses.forEach((tenant, list) -> {
            String label = tenantLabel.apply(tenant);
            if (!label.equals(tenant)) {
                return;
            }
            for (BudgetStatus s : list) {
                Tags tags = Tags.of("tenant", tenant, "period", s.budget().period().id());
                rem.add(MultiGauge.Row.of(tags, s.remainingMicros()));
                exh.add(MultiGauge.Row.of(tags, s.exhausted() ? 0 : s.exhaustionAtMs() == 0 ? -1 : (s.exhaustionAtMs() - nowMs) / 1000.0));
            }
        });
        remaining.register(rem, true);
        exhaustion.register(exh, true);
        Map<String, Integer> byKind = new HashMap<>();
        for (String k : List.of("budget_soft", "budget_exhausted", "budget_forecast", "spend_anomaly", "refusal_anomaly",
                "security_anomaly", "gpu_hours_forecast", "gpu_hours_exhausted", "pool_saturation")) {
            byKind.put(k, 0);
        }
        active.forEach(a -> byKind.merge(a.kind(), 1, Integer::sum));
        List<MultiGauge.Row<?>> al = new ArrayList<>();
        byKind.forEach((k, n) -> al.add(MultiGauge.Row.of(Tags.of("kind", k), n)));
        alerts.register(al, true);
    }
}
