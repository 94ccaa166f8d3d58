package dev.warden.store;

import java.util.Objects;
import java.util.Set;

/**
 * A long-running job as the control store keeps it: owned by a tenant and a subject (never a
 * token), placed on one upstream of one pool, with the keyed hash of its renewal secret and how
 * often it renewed its credential.
 *
 * @param lastRenewalAtMs 0 before the first renewal
 */
public record StoredJob(String id, String tenantId, Owner owner, String kind, String model, Placement placement, String state,
                        String upstreamJobId, String secretHash, String stopReason, long renewals, long lastRenewalAtMs,
                        long createdAtMs, long updatedAtMs) {
    public static final Set<String> STATES = Set.of("queued", "running", "succeeded", "failed", "cancelled");

    /** Who started the job: the subject, its role then, and how it signed in ({@code api_key}, {@code jwt}...). */
    public record Owner(String subject, String role, String method) {
        public Owner {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(method, "method");
        }
    }

    /** Where the job runs: the pool, the region and the base URL of the upstream it was sent to. */
    public record Placement(String pool, String region, String upstreamUrl) {
        public Placement {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(upstreamUrl, "upstreamUrl");
        }
    }

    public StoredJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(secretHash, "secretHash");
        if (!STATES.contains(state)) {
            throw new IllegalArgumentException("state: " + state);
        }
    }

    public String subject() {
        return owner.subject();
    }

    /** Finished: no renewal any more. */
    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }

    @Override
    public String toString() {
        return "StoredJob[id=" + id + ", tenant=" + tenantId + ", subject=" + owner.subject() + ", state=" + state + ", secret=<redacted>]";
    }
}
