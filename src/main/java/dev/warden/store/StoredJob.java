package dev.warden.store;

import java.util.Objects;
import java.util.Set;

/**
 * A long-running job as the control store keeps it: owned by a tenant and a subject (never a
 * token), placed on one upstream of one pool, with the keyed hash of its renewal secret and how
 * often it renewed its credential, what it asked for, and what it has run.
 *
 * @param secretHash      the keyed hash of its renewal secret (made when it starts: a queued job has
 *                        a hash no secret matches)
 * @param lastRenewalAtMs 0 before the first renewal
 * @param params          what the job service receives as the job's params (JSON), kept until it starts
 */
public record StoredJob(String id, String tenantId, Owner owner, String kind, String model, Placement placement, String state,
                        String upstreamJobId, String secretHash, String stopReason, long renewals, long lastRenewalAtMs,
                        long createdAtMs, long updatedAtMs, Resources resources, String params, Run run) {
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

    /**
     * What a job asked for: GPUs, and the longest it may run (wall time); its worst case is their
     * product. {@code reservedMicros}: what that worst case cost at admission, held on the tenant's
     * hard budgets until the job ends (its charges never go past it).
     */
    public record Resources(int gpus, long maxMs, long reservedMicros) {
        /** The most GPU time the job may use: GPUs x its longest run, in GPU-milliseconds. */
        public long maxGpuMs() {
            return Math.multiplyExact((long) gpus, maxMs);
        }
    }

    /**
     * What a job has run: when it started (0: still queued), the GPU time charged so far, its cost,
     * and when its worker last reported (0: never).
     */
    public record Run(long startedAtMs, long usedGpuMs, long chargedMicros, long lastReportAtMs) {
        public static final Run NOT_STARTED = new Run(0, 0, 0, 0);
    }

    public StoredJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(secretHash, "secretHash");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(run, "run");
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
