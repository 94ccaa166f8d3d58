package dev.warden.store;

import java.util.List;
import java.util.Optional;

/**
 * Files uploaded through {@code /v1/files}, every read and delete scoped to one tenant: another
 * tenant's file id answers exactly like one that does not exist. Blocking: call from a worker.
 */
public interface FileStore {
    /** Starts a file (status uploading, no chunks yet). */
    void create(StoredFile file);

    /** Stores chunk {@code seq} of a file being uploaded (sealed by the caller). */
    void chunk(String fileId, int seq, String sealed);

    /** Marks a file processed with its name, purpose and size; its chunks are all stored. */
    void complete(String tenant, String fileId, String filename, String purpose, long bytes);

    /** A tenant's processed file. */
    Optional<StoredFile> find(String tenant, String id);

    /** A tenant's processed files, newest first, optionally of one purpose, after the id {@code after} (null: from the newest). */
    List<StoredFile> list(String tenant, String purpose, String after, int limit);

    /** Chunk {@code seq} of a tenant's file (sealed), or null past its last. */
    String chunkOf(String tenant, String fileId, int seq);

    /** Deletes a tenant's file and its chunks (an unfinished upload too); false if it has none of that id. */
    boolean delete(String tenant, String id);
}
