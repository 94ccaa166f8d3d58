package dev.warden.record;

import java.util.List;

/**
 * The audit log's writer: events are chained and appended in batches (see {@link BatchWriter} for
 * the queue, the retry and the fail-closed behaviour; metrics {@code warden_audit_*}).
 */
public final class AuditWriter extends BatchWriter<AuditEvent> {
    private final AuditLog log;
    private final AuditChain chain;

    public AuditWriter(AuditLog log, AuditChain chain, int capacity, int reserve) {
        super("audit", capacity, reserve);
        this.log = log;
        this.chain = chain;
    }

    @Override
    protected void append(List<AuditEvent> batch) {
        log.append(batch, chain);
    }
}
