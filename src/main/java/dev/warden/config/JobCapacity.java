package dev.warden.config;

/**
 * What a pool lends to long-running jobs: its GPUs for jobs (inference keeps the rest of the pool:
 * a training wave never takes more than these, and inference never takes these), their price, and
 * the longest a job may ask to run.
 *
 * @param gpus            GPUs of the pool that jobs share, fairly between tenants by weight
 * @param pricePerGpuHour micro-units a job pays per GPU-hour it runs (reserved for its worst case)
 * @param maxJobMs        the longest one job may ask to run (wall time, milliseconds)
 */
public record JobCapacity(int gpus, long pricePerGpuHour, long maxJobMs) {
    public static final long GPU_HOUR_MS = 3_600_000L;

    public JobCapacity {
        if (gpus < 1) {
            throw new IllegalArgumentException("gpus: " + gpus + " (expected: >= 1)");
        }
        if (pricePerGpuHour < 0) {
            throw new IllegalArgumentException("pricePerGpuHour: " + pricePerGpuHour + " (expected: >= 0)");
        }
    }

    /** What {@code gpuMs} GPU-milliseconds cost, rounded up to whole micro-units (never undercharged). */
    public long costMicros(long gpuMs) {
        try {
            return Math.ceilDiv(Math.multiplyExact(Math.max(0, gpuMs), pricePerGpuHour), GPU_HOUR_MS);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
