package dev.warden.spend;

import dev.warden.config.Budget;
import dev.warden.record.AuditLog;
import dev.warden.record.Ledger;
import dev.warden.record.TenantSpend;
import dev.warden.store.StoreException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongBiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches spend against budgets, and spend, refusals and security events for anomalies. Each
 * {@link #evaluate()} (blocking, on a worker thread, every {@code alerts.intervalMs}) sums the
 * ledger per tenant for today, this month, the last hour and the 24 hours before it, and the audit
 * log's refusals for the last hour and the 24 hours before, computes every budget's
 * {@link BudgetStatus} (with its forecast), and raises or clears {@link Alert}s. A newly raised alert goes to the sink (webhooks)
 * once; it stays active, with the same id, while its condition holds.
 *
 * <p>The month's spend before today is read once a day and cached, so a cycle reads at most a
 * day and a bit of the ledger, whatever the month holds.
 */
public final class AlertMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(AlertMonitor.class);
    private static final long HOUR = 3_600_000L;
    /** The short window of the spend rate: a surge shows in the forecast within minutes. */
    private static final long SHORT = 300_000L;
    private static final int RECENT = 100;

    /** Receives each newly raised alert once. */
    public interface Sink {
        void raised(Alert alert);
    }

    /**
     * Anomaly rule: the last hour's spend (refusals, security events) above {@code factor} x the
     * hourly mean of the day before, and at least {@code minMicros} ({@code minRefusals},
     * {@code minSecurityEvents}).
     */
    public record AnomalyRule(double factor, long minMicros, long minRefusals, long minSecurityEvents) {
    }

    private final Ledger ledger;
    private final AuditLog audit;
    private final Supplier<Map<String, String>> budgetSettings;
    private final AnomalyRule anomaly;
    private final Sink sink;
    private final LongSupplier clock;

    private volatile Map<String, List<BudgetStatus>> statuses = Map.of();
    private volatile GpuHoursWatch gpuHours;
    private volatile PoolWatch pools;
    private volatile Map<String, TenantSpend> today = Map.of();
    private final Map<String, Alert> active = new LinkedHashMap<>();
    private final Deque<Alert> recent = new ArrayDeque<>();
    private long cachedDayStart = -1;
    private Map<String, Long> monthBeforeToday = Map.of();

    /**
     * @param budgetSettings tenant id -> its stored {@code budgets} document, read fresh each cycle
     */
    private final ToLongBiFunction<String, Budget.Period> reserved;

    /**
     * {@code audit}: where refusals are counted; {@code reserved}: what admission holds for a
     * tenant's unsettled requests on its budget of a period.
     */
    public AlertMonitor(Ledger ledger, AuditLog audit, Supplier<Map<String, String>> budgetSettings, AnomalyRule anomaly, Sink sink,
                        LongSupplier clock, ToLongBiFunction<String, Budget.Period> reserved) {
        this.reserved = reserved;
        this.ledger = ledger;
        this.audit = audit;
        this.budgetSettings = budgetSettings;
        this.anomaly = anomaly;
        this.sink = sink;
        this.clock = clock;
    }

    /** Also forecasts the tenants' GPU-hour quotas each cycle, and holds their alerts. */
    public void watchGpuHours(GpuHoursWatch watch) {
        this.gpuHours = watch;
    }

    /** Also forecasts the pools' saturation each cycle, and holds their alerts. */
    public void watchPools(PoolWatch watch) {
        this.pools = watch;
    }

    /** Every pool's status as of the last cycle (none without a watch). */
    public List<PoolStatus> poolStatuses() {
        PoolWatch w = pools;
        return w == null ? List.of() : w.statuses();
    }

    /** Every tenant's GPU-hour quota statuses as of the last cycle (none without a watch). */
    public Map<String, List<GpuHoursStatus>> gpuHourStatuses() {
        GpuHoursWatch w = gpuHours;
        return w == null ? Map.of() : w.statuses();
    }

    /** Every tenant's budget statuses as of the last cycle. */
    public Map<String, List<BudgetStatus>> statuses() {
        return statuses;
    }

    /** Each tenant's spend so far today (UTC) as of the last cycle. */
    public Map<String, TenantSpend> today() {
        return today;
    }

    public synchronized List<Alert> active() {
        return List.copyOf(active.values());
    }

    /** The last {@value #RECENT} alerts raised, newest first (active or not). */
    public synchronized List<Alert> recent() {
        return List.copyOf(recent);
    }

    /** One cycle. Blocking (JDBC). A store failure leaves the last state in place. */
    public void evaluate() {
        long now = clock.getAsLong();
        long dayStart = Budget.Period.DAY.startMs(now);
        long monthStart = Budget.Period.MONTH.startMs(now);
        try {
            Map<String, Long> monthEarlier = monthBeforeToday(dayStart, monthStart);
            Map<String, TenantSpend> day = byTenant(ledger.spend(dayStart, now + 1));
            Map<String, TenantSpend> lastHour = byTenant(ledger.spend(now - HOUR, now + 1));
            Map<String, TenantSpend> lastMinutes = byTenant(ledger.spend(now - SHORT, now + 1));
            Map<String, TenantSpend> dayBefore = byTenant(ledger.spend(now - 25 * HOUR, now - HOUR));
            Map<String, List<BudgetStatus>> next = new HashMap<>();
            List<Alert> holding = new ArrayList<>();
            for (Map.Entry<String, String> e : budgetSettings.get().entrySet()) {
                String tenant = e.getKey();
                long spentToday = cost(day.get(tenant));
                long hourSpend = cost(lastHour.get(tenant));
                long shortSpend = cost(lastMinutes.get(tenant));
                List<BudgetStatus> list = new ArrayList<>();
                for (Budget b : Budget.parse(e.getValue())) {
                    long spent = b.period() == Budget.Period.DAY ? spentToday : monthEarlier.getOrDefault(tenant, 0L) + spentToday;
                    BudgetStatus s = BudgetStatus.of(tenant, b, now, spent, reserved.applyAsLong(tenant, b.period()), hourSpend, HOUR,
                            shortSpend, SHORT);
                    list.add(s);
                    budgetAlerts(s, now, holding);
                }
                next.put(tenant, List.copyOf(list));
            }
            for (Map.Entry<String, TenantSpend> e : lastHour.entrySet()) {
                spike(holding, now, e.getKey(), "spend_anomaly", "warning", "Spend", " micros", cost(e.getValue()),
                        cost(dayBefore.get(e.getKey())), anomaly.minMicros());
            }
            refusalSpikes(now, holding);
            GpuHoursWatch w = gpuHours;
            if (w != null) {
                holding.addAll(w.evaluate(now));
            }
            PoolWatch p = pools;
            if (p != null) {
                holding.addAll(p.evaluate(now));
            }
            statuses = Map.copyOf(next);
            today = Map.copyOf(day);
            update(holding);
        } catch (StoreException e) {
            LOG.warn("alert evaluation skipped, control store unreachable: {}", e.getMessage());
        }
    }

    /** Refusals and security events of the last hour against each tenant's day before (no tenant verified: a platform alert). */
    private void refusalSpikes(long now, List<Alert> holding) {
        Map<String, AuditLog.Denials> before = new HashMap<>();
        audit.denials(now - 25 * HOUR, now - HOUR).forEach(d -> before.put(d.tenant(), d));
        for (AuditLog.Denials d : audit.denials(now - HOUR, now + 1)) {
            AuditLog.Denials earlier = before.get(d.tenant());
            spike(holding, now, d.tenant(), "refusal_anomaly", "warning", "Refusals", "", d.refusals(),
                    earlier == null ? 0 : earlier.refusals(), anomaly.minRefusals());
            spike(holding, now, d.tenant(), "security_anomaly", "critical", "Security events (credential, permission or isolation refusals)",
                    "", d.securityEvents(), earlier == null ? 0 : earlier.securityEvents(), anomaly.minSecurityEvents());
        }
    }

    /** Holds a {@code kind} alert when the hour's {@code hour} is at least {@code min} and above the factor x the day before's hourly mean. */
    private void spike(List<Alert> holding, long now, String tenant, String kind, String severity, String what, String unit, long hour,
                       long dayBefore, long min) {
        double mean = dayBefore / 24.0;
        if (hour >= min && hour > anomaly.factor() * mean) {
            holding.add(new Alert((tenant == null ? "platform" : tenant) + ":" + kind + ":" + (now / HOUR), tenant, kind, severity,
                    what + " in the last hour (" + hour + unit + ") above " + anomaly.factor() + "x the hourly mean of the 24 hours before ("
                            + Math.round(mean) + unit + ").", now));
        }
    }

    private void budgetAlerts(BudgetStatus s, long now, List<Alert> holding) {
        String period = s.budget().period().id();
        String base = s.tenant() + ":" + period + ":" + s.periodStartMs();
        if (s.exhausted()) {
            holding.add(new Alert(base + ":budget_exhausted", s.tenant(), "budget_exhausted", "critical",
                    "The " + period + " budget is spent: " + s.spentMicros() + " of " + s.budget().limitMicros() + " micros"
                            + (s.budget().hard() ? "; new requests are refused until the period ends." : " (soft budget)."), now));
        } else if (s.overSoft()) {
            holding.add(new Alert(base + ":budget_soft", s.tenant(), "budget_soft", "warning",
                    "The " + period + " budget passed " + s.budget().softPercent() + "%: " + s.spentMicros() + " of "
                            + s.budget().limitMicros() + " micros.", now));
        } else if (s.budget().softPercent() > 50 && s.spentMicros() * 2 >= s.budget().limitMicros()) {
            holding.add(new Alert(base + ":budget_half", s.tenant(), "budget_half", "info",
                    "The " + period + " budget passed 50%: " + s.spentMicros() + " of " + s.budget().limitMicros() + " micros.", now));
        }
        if (s.projectedToExhaust()) {
            holding.add(new Alert(base + ":budget_forecast", s.tenant(), "budget_forecast", "warning",
                    "At the last hour's rate the " + period + " budget runs out at "
                            + Instant.ofEpochMilli(s.exhaustionAtMs()) + ", before the period ends.", now));
        }
    }

    private synchronized void update(List<Alert> holding) {
        Map<String, Alert> next = new LinkedHashMap<>();
        for (Alert a : holding) {
            Alert prior = active.get(a.id());
            if (prior != null) {
                next.put(a.id(), prior);
                continue;
            }
            next.put(a.id(), a);
            recent.addFirst(a);
            while (recent.size() > RECENT) {
                recent.removeLast();
            }
            LOG.info("alert raised: tenant={} kind={} severity={}", a.tenant(), a.kind(), a.severity());
            sink.raised(a);
        }
        active.clear();
        active.putAll(next);
    }

    private Map<String, Long> monthBeforeToday(long dayStart, long monthStart) {
        if (cachedDayStart != dayStart) {
            Map<String, Long> m = new HashMap<>();
            if (dayStart > monthStart) {
                for (TenantSpend s : ledger.spend(monthStart, dayStart)) {
                    m.put(s.tenantId(), s.costMicros());
                }
            }
            monthBeforeToday = m;
            cachedDayStart = dayStart;
        }
        return monthBeforeToday;
    }

    private static Map<String, TenantSpend> byTenant(List<TenantSpend> rows) {
        Map<String, TenantSpend> m = new HashMap<>();
        rows.forEach(r -> m.put(r.tenantId(), r));
        return m;
    }

    private static long cost(TenantSpend s) {
        return s == null ? 0 : s.costMicros();
    }
}
