package dev.warden.record;

/**
 * A filter over the audit log; null fields match everything. Results come newest first, at most
 * {@code limit}, and only records with {@code seq < beforeSeq} (for paging; 0 = from the end).
 */
public record AuditQuery(String tenant, String action, String decision, String reason, String principal,
                         long fromMs, long toMs, long beforeSeq, int limit) {
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        if (limit <= 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
        }
    }
}
