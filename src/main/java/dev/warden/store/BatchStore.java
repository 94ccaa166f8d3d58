package dev.warden.store;

import java.util.List;
import java.util.Optional;

/**
 * Batches, every read and change by their tenant scoped to it (another tenant's id answers like an
 * unknown one); runners claim them by lease, one runner per batch at a time across replicas.
 * Blocking: call from a worker or a virtual thread.
 */
public interface BatchStore {
    void create(StoredBatch batch);

    Optional<StoredBatch> find(String tenant, String id);

    /** A tenant's batches, newest first, at most {@code limit}. */
    List<StoredBatch> list(String tenant, int limit);

    /** Asks a batch of the tenant to stop (in progress: cancelling); the batch as it is now, or empty if the tenant has none of that id. */
    Optional<StoredBatch> cancel(String tenant, String id, long nowMs);

    /** Claims a batch that is running or cancelling and whose lease ran out, for {@code owner} until {@code untilMs}; empty if none. */
    Optional<StoredBatch> claim(String owner, long nowMs, long untilMs);

    /** A runner's progress (counts, next line, output file) and its lease renewed; false if it lost the batch. */
    boolean progress(String id, String owner, int completed, int failed, int nextLine, String outputFileId, long untilMs);

    /** A final status; the lease released. */
    void finish(String id, String owner, String status, long nowMs);

    /** The batch as stored now (a runner reads whether it was asked to cancel). */
    Optional<StoredBatch> get(String id);
}
