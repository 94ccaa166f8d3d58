package dev.warden.record;

import java.util.List;

/**
 * Where the usage ledger is kept (the control store): one row per upstream call, and per-minute
 * sums by tenant. Blocking: call from the ledger writer's thread or a worker, never from an event loop.
 */
public interface Ledger {
    /** Appends rows (and adds them to the per-minute sums) in one transaction. */
    void append(List<UsageRecord> rows);

    /** A tenant's rows in {@code [fromMs, toMs)}, oldest first. */
    List<UsageRecord> usage(String tenantId, long fromMs, long toMs);

    /**
     * Usage summed per tenant over {@code [fromMs, toMs)}, in whole minutes: the minute holding
     * {@code fromMs} up to and including the minute holding {@code toMs - 1} (read from the
     * per-minute sums, not from every row).
     */
    List<TenantSpend> spend(long fromMs, long toMs);

    /** The GPU time jobs were charged per tenant and UTC hour, for rows in {@code [fromMs, toMs)} (hours without any: absent). */
    List<GpuHour> gpuHours(long fromMs, long toMs);

    /**
     * Requests and their time in flight per model and UTC hour, for the whole minutes from the one
     * holding {@code fromMs} up to the one holding {@code toMs - 1} (read from the per-minute sums).
     */
    List<ModelHour> modelHours(long fromMs, long toMs);
}
