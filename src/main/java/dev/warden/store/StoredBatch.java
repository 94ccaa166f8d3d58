package dev.warden.store;

/**
 * A batch of a tenant: its input file's lines run one by one through the data plane with a key
 * issued for it ({@code keyId}; the key itself sealed in {@code sealedKey}), answers appended to
 * {@code outputFileId}.
 *
 * @param status     in_progress, finalizing, completed, cancelling, cancelled, failed, expired
 * @param nextLine   the first input line not yet answered (where a runner resumes)
 * @param finishedAt when it reached a final status (0: not yet)
 * @param cancelAskedAt when its tenant asked to cancel it (0: never)
 */
public record StoredBatch(String id, String tenantId, String principal, String keyId, String sealedKey, String inputFileId,
                          String endpoint, String status, int total, int completed, int failed, int nextLine, String outputFileId,
                          String metadata, long createdAt, long inProgressAt, long finishedAt, long cancelAskedAt, long expiresAt) {
    public static final String IN_PROGRESS = "in_progress";
    public static final String COMPLETED = "completed";
    public static final String CANCELLING = "cancelling";
    public static final String CANCELLED = "cancelled";
    public static final String EXPIRED = "expired";
    public static final String FAILED = "failed";

    public boolean finished() {
        return status.equals(COMPLETED) || status.equals(CANCELLED) || status.equals(EXPIRED) || status.equals(FAILED);
    }

    /** Associated data of its sealed key. */
    public static String keyAad(String tenant, String id) {
        return "batch-key|" + tenant + "|" + id;
    }
}
