package dev.warden.record;

import dev.warden.problem.ErrorCode;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One security-relevant event: who, for which tenant, did what, was it allowed, why. Never a
 * secret, a prompt or a completion; {@code detail} holds before/after of admin changes (JSON).
 *
 * @param decision {@code allow} or {@code deny}
 */
public record AuditEvent(long atMs, String tenant, String principal, String action, String decision, String reason,
                         String requestId, String source, String detail) {
    /**
     * The refusals that say someone tried what they may not (a credential, a permission, another
     * tenant, an answer that named another tenant), as opposed to limits and malformed input: a
     * spike of them is an attack or a leaked key, and raises its own alert.
     */
    public static final Set<String> SECURITY_CODES = Set.of(ErrorCode.UNAUTHENTICATED, ErrorCode.INSUFFICIENT_USER_AUTHENTICATION,
            ErrorCode.INVALID_CLIENT, ErrorCode.INVALID_GRANT, ErrorCode.TENANT_CONFLICT, ErrorCode.TENANT_SUSPENDED, ErrorCode.FORBIDDEN,
            ErrorCode.MODEL_NOT_ALLOWED, ErrorCode.ADMIN_PAYLOAD_DENIED, ErrorCode.AUDIT_IMMUTABLE, ErrorCode.JOB_RENEWAL_DENIED,
            ErrorCode.ISOLATION_VIOLATION).stream().map(ErrorCode::code).collect(Collectors.toUnmodifiableSet());

    public AuditEvent {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(reason, "reason");
    }

    /** A refusal (decision {@code deny}). */
    public boolean denied() {
        return decision.equals("deny");
    }

    /** A refusal whose code is one of {@link #SECURITY_CODES} (its reason is {@code code:detail}). */
    public boolean securityEvent() {
        if (!denied()) {
            return false;
        }
        int colon = reason.indexOf(':');
        return SECURITY_CODES.contains(colon < 0 ? reason : reason.substring(0, colon));
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
