package dev.warden.config;

/**
 * A tier's limits on long-running jobs, beside its request limits. GPU time is in
 * GPU-milliseconds (GPUs x run time); a job reserves its worst case (its GPUs x its declared
 * hours) on the day and month quotas when it is admitted and settles what it really ran.
 *
 * @param maxGpus        GPUs the tenant's running jobs may hold at once (0: only the pool's capacity)
 * @param gpuMsPerDay    GPU time per UTC day (0: no quota)
 * @param gpuMsPerMonth  GPU time per UTC month (0: no quota)
 */
public record JobLimits(int maxGpus, long gpuMsPerDay, long gpuMsPerMonth) {
    public static final JobLimits NONE = new JobLimits(0, 0, 0);
}
