package dev.warden.record;

import java.util.List;

/**
 * Where the hash-chained audit log is kept (the control store). Blocking: call from the audit
 * writer's thread or a worker, never from an event loop.
 */
public interface AuditLog {
    /** The chain's head: the last sequence number and its MAC. */
    record Head(long seq, String mac) {
    }

    /**
     * Appends events in one transaction, each chained to the one before (the head is locked for
     * it, so replicas sharing a store extend one chain). Returns the last sequence number.
     */
    long append(List<AuditEvent> events, AuditChain chain);

    /** Every record, in sequence order. */
    List<AuditRecord> all();

    /** Records matching the query, newest first. */
    List<AuditRecord> query(AuditQuery query);

    Head head();

    /** One tenant's refusals and, among them, security events ({@code tenant} null: refusals no tenant was verified for). */
    record Denials(String tenant, long refusals, long securityEvents) {
    }

    /** Refusals per tenant in {@code [fromMs, toMs)}, from per-minute sums kept with the log (whole minutes). */
    List<Denials> denials(long fromMs, long toMs);
}
