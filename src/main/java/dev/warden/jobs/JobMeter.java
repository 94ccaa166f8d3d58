package dev.warden.jobs;

import dev.warden.config.JobCapacity;
import dev.warden.record.UsageRecord;
import dev.warden.store.StoredJob;

/**
 * What a running job has used, charged as it goes. Its worker reports the GPU time it ran
 * ({@code usage.gpuSeconds}, cumulative); Warden believes it only up to what the job held (its
 * GPUs x the time since it started) and its worst case, and never less than it charged before. A
 * job whose worker reports nothing is charged what it held. Each charge is the difference from the
 * last, at the pool's current price, never past what the job reserved on its tenant's budgets when
 * it was admitted (a price raised since does not overspend them), and becomes one ledger row.
 */
final class JobMeter {
    /** A job's run after a report: GPU time and cost so far, and what this report added. */
    record Charge(long usedGpuMs, long chargedMicros, long addedGpuMs, long addedMicros) {
        boolean any() {
            return addedGpuMs > 0;
        }
    }

    private JobMeter() {
    }

    /** {@code reportedGpuMs}: the worker's word (negative: it said nothing). */
    static Charge charge(StoredJob job, JobCapacity capacity, long reportedGpuMs, long nowMs) {
        StoredJob.Run run = job.run();
        long held = run.startedAtMs() == 0 ? 0 : Math.multiplyExact((long) job.resources().gpus(), Math.max(0, nowMs - run.startedAtMs()));
        long used = reportedGpuMs < 0 ? held : Math.min(reportedGpuMs, held);
        used = Math.max(run.usedGpuMs(), Math.min(used, job.resources().maxGpuMs()));
        long added = used - run.usedGpuMs();
        long cost = Math.max(run.chargedMicros(), Math.min(capacity.costMicros(used), job.resources().reservedMicros()));
        return new Charge(used, cost, added, cost - run.chargedMicros());
    }

    /** The ledger row of a charge: the job's model and region, GPU time and cost, no tokens. */
    static UsageRecord row(StoredJob job, Charge charge, long nowMs) {
        return new UsageRecord(job.id(), nowMs, job.tenantId(), job.subject(), job.subject(), job.model(), job.placement().region(),
                "job_" + job.kind(), 0, 0, 0, charge.addedGpuMs(), charge.addedMicros(), 200, 0, false, false);
    }
}
