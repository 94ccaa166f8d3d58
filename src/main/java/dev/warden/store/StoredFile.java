package dev.warden.store;

/**
 * A file of a tenant (its metadata; the content is in sealed chunks, {@link FileStore}).
 *
 * @param id     {@code file-<24 hex>}
 * @param status {@code uploading} until its last chunk is stored, then {@code processed}
 */
public record StoredFile(String id, String tenantId, String filename, String purpose, long bytes, String status, long createdAtMs) {
    public static final String UPLOADING = "uploading";
    public static final String PROCESSED = "processed";

    /** Associated data of a chunk: it opens only as this chunk of this tenant's file. */
    public static String chunkAad(String tenant, String id, int seq) {
        return "file|" + tenant + "|" + id + "|" + seq;
    }
}
