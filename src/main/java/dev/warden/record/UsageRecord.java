package dev.warden.record;

import java.util.Objects;

/**
 * One ledger row: what one request used and cost. Money in integer micro-units; compute units are
 * tokens x the model's compute weight (a predict call: its declared cost; a cache hit: none); GPU
 * time in GPU-milliseconds (a job's report: what it ran since the one before; a request: 0).
 */
public record UsageRecord(String requestId, long atMs, String tenant, String keyId, String subject, String model,
                          String region, String operation, long inputTokens, long outputTokens, long computeUnits, long gpuMs, long costMicros,
                          int status, long latencyMs, boolean cacheHit, boolean aborted) {
    public UsageRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(operation, "operation");
    }

    /** A charge of a long-running job (GPU time), not a request. */
    public boolean job() {
        return operation.startsWith("job_");
    }
}
