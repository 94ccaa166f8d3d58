package dev.warden.record;

import java.util.Objects;

/**
 * One security-relevant event: who, for which tenant, did what, was it allowed, why. Never a
 * secret, a prompt or a completion; {@code detail} holds before/after of admin changes (JSON).
 *
 * @param decision {@code allow} or {@code deny}
 */
public record AuditEvent(long atMs, String tenant, String principal, String action, String decision, String reason,
                         String requestId, String source, String detail) {
    public AuditEvent {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(reason, "reason");
    }

    /** The bytes the chain's MAC covers: every field, length-prefixed so no two records collide. */
    String canonical(long seq) {
        StringBuilder sb = new StringBuilder(256);
        for (String f : new String[] {Long.toString(seq), Long.toString(atMs), tenant, principal, action, decision, reason,
                requestId, source, detail}) {
            if (f == null) {
                sb.append("-1:");
            } else {
                sb.append(f.length()).append(':').append(f);
            }
            sb.append('|');
        }
        return sb.toString();
    }
}
