package dev.warden.record;

/** An audit event as stored: its place in the chain and its MAC. */
public record AuditRecord(long seq, AuditEvent event, String mac) {
}
