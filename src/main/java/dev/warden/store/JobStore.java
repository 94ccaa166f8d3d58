package dev.warden.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Long-running jobs, each owned by one tenant. Job writes are not snapshot changes: they bump no
 * version. Admissions and starts are serialised across every replica sharing the store (one lock),
 * so a limit checked in one holds when the job is stored or started. Blocking (JDBC): call from a
 * worker or virtual thread.
 */
public interface JobStore {
    int LIST_LIMIT = 200;

    /** How a new job is judged, inside the transaction that stores it. */
    @FunctionalInterface
    interface Admission {
        /**
         * Null to store the job, or why it is refused. {@code active}: the tenant's queued and
         * running jobs; {@code gpuMsToday}, {@code gpuMsThisMonth}: the GPU time the ledger holds
         * for the tenant in the current UTC day and month.
         */
        String refusal(List<StoredJob> active, long gpuMsToday, long gpuMsThisMonth);
    }

    /** A stored job, or the refusal of {@link Admission} (nothing stored). */
    record Admitted(StoredJob job, String refusal) {
    }

    /** Stores a new job if {@code admission} allows it; {@link StoreException.Conflict} if the id is taken. */
    Admitted admit(StoredJob job, long dayStartMs, long monthStartMs, Admission admission);

    /** Inserts a job as it is (restores, tests). */
    StoredJob insert(StoredJob job);

    /** Which of a pool's queued jobs start now, given the pool's jobs; each gets its renewal secret's hash. */
    @FunctionalInterface
    interface Starter {
        /** Job id to its secret hash, for the jobs that start now. */
        Map<String, String> pick(List<StoredJob> poolJobs);
    }

    /**
     * In one transaction: reads {@link #ofPool} and marks the jobs {@code starter} picks as running
     * since {@code nowMs}, with their secret hashes. Returns them as stored.
     */
    List<StoredJob> start(String pool, long sinceMs, long nowMs, Starter starter);

    /** A pool's queued and running jobs, and its jobs that started since {@code sinceMs} (its fair share's recent history). */
    List<StoredJob> ofPool(String pool, long sinceMs);

    /** The pools that have queued or running jobs. */
    List<String> activePools();

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

    /**
     * Records what a running job has run, if what was recorded is still {@code fromGpuMs} (compare
     * and set: of two reports made from the same record only one counts, so no GPU time is charged
     * twice); false otherwise, or when the job is not running.
     */
    boolean report(String tenantId, String jobId, long fromGpuMs, long usedGpuMs, long chargedMicros, long atMs);

    /**
     * What the tenant's unfinished jobs hold on its hard budgets and have not been charged yet
     * (micro-units): part of its spend for every budget account made while they run.
     */
    long outstandingMicros(String tenantId);

    /** Per pool with unfinished jobs: {GPUs held by running jobs, GPUs asked by queued jobs, queued jobs}. */
    Map<String, long[]> poolLoad();

    /** Per tenant with unfinished jobs, the GPU time they may still use (their worst case less what they ran). */
    Map<String, Long> outstandingGpuMs();

    /** Counts one credential renewal of an unfinished (queued or running) job; false if it has finished. */
    boolean recordRenewal(String tenantId, String jobId, long atMs);
}
