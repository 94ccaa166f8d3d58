package dev.warden.record;

/** The GPU time a tenant's jobs were charged in one UTC hour ({@code hourStartMs}), in GPU-milliseconds. */
public record GpuHour(String tenantId, long hourStartMs, long gpuMs) {
}
