package dev.warden.store;

import java.util.Objects;
import java.util.Set;

/**
 * A long-running job as the control store keeps it: owned by a tenant and a subject (never a
 * token), with the keyed hash of its renewal secret and how often it renewed its credential.
 *
 * @param lastRenewalAtMs 0 before the first renewal
 */
public record StoredJob(String id, String tenantId, String subject, String kind, String model, String state,
                        String upstreamJobId, String secretHash, String stopReason, long renewals, long lastRenewalAtMs,
                        long createdAtMs, long updatedAtMs) {
    public static final Set<String> STATES = Set.of("queued", "running", "succeeded", "failed", "cancelled");

    public StoredJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(secretHash, "secretHash");
        if (!STATES.contains(state)) {
            throw new IllegalArgumentException("state: " + state);
        }
    }

    /** Finished: no renewal any more. */
    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }

    @Override
    public String toString() {
        return "StoredJob[id=" + id + ", tenant=" + tenantId + ", subject=" + subject + ", state=" + state + ", secret=<redacted>]";
    }
}
