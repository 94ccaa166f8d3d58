package dev.warden.store;

import java.util.List;
import java.util.Optional;

/**
 * Long-running jobs, each owned by one tenant. Job writes are not snapshot changes: they bump no
 * version. Blocking (JDBC): call from a worker or virtual thread.
 */
public interface JobStore {
    int LIST_LIMIT = 200;

    /** Stores a new job; {@link StoreException.Conflict} if the id is taken. */
    StoredJob insert(StoredJob job);

    /** A tenant's job (another tenant's id is as absent as an unknown one). */
    Optional<StoredJob> find(String tenantId, String jobId);

    /**
     * A job by id alone, whatever its tenant: only for the renewal endpoint, where the caller has
     * no tenant to name and proves itself with the job's own secret (checked against this record).
     */
    Optional<StoredJob> forRenewal(String jobId);

    /** A tenant's jobs, newest first (at most {@value #LIST_LIMIT}); only {@code subject}'s when it is not null. */
    List<StoredJob> list(String tenantId, String subject);

    /**
     * Moves an unfinished job to {@code state} (with the upstream's id and a stop reason when given);
     * false if there is no such unfinished job of that tenant. A finished job never changes again.
     */
    boolean update(String tenantId, String jobId, String state, String upstreamJobId, String stopReason, long atMs);

    /** How many of a tenant's jobs are queued or running. */
    int active(String tenantId);

    /** Counts one credential renewal of an unfinished (queued or running) job; false if it has finished. */
    boolean recordRenewal(String tenantId, String jobId, long atMs);
}
