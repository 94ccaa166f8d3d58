package dev.warden.record;

import java.util.Objects;

/**
 * One ledger row: what one request used and cost. Money in integer micro-units; compute units are
 * tokens x the model's compute weight (a predict call: its declared cost; a cache hit: none).
 */
public record UsageRecord(String requestId, long atMs, String tenant, String keyId, String subject, String model,
                          String region, String operation, long inputTokens, long outputTokens, long computeUnits, long costMicros,
                          int status, long latencyMs, boolean cacheHit, boolean aborted) {
    public UsageRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(operation, "operation");
    }
}
