package dev.warden.audit;

import dev.warden.store.BatchWriter;
import dev.warden.store.ControlStore;
import java.util.List;

/**
 * The audit log's writer: events are chained and appended in batches (see {@link BatchWriter} for
 * the queue, the retry and the fail-closed behaviour; metrics {@code warden_audit_*}).
 */
public final class AuditWriter extends BatchWriter<AuditEvent> {
    private final ControlStore store;
    private final AuditChain chain;

    public AuditWriter(ControlStore store, AuditChain chain, int capacity, int reserve) {
        super("audit", capacity, reserve);
        this.store = store;
        this.chain = chain;
    }

    @Override
    protected void append(List<AuditEvent> batch) {
        store.appendAudit(batch, chain);
    }
}
