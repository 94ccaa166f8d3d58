package dev.warden.pipeline;

import java.util.Objects;

/**
 * A refusal as a value: what the client sees ({@code code}, {@code detail}) and why it happened
 * ({@code reason}, for logs and security events only, never sent to the client).
 *
 * <p>The detail must never name another tenant, a secret, or a library message.
 */
public record GatewayError(ErrorCode code, String detail, String reason) {

    public GatewayError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(reason, "reason");
    }

    public static GatewayError of(ErrorCode code, String detail) {
        return new GatewayError(code, detail, code.code());
    }

    public static GatewayError of(ErrorCode code, String detail, String reason) {
        return new GatewayError(code, detail, reason);
    }

    /**
     * The one answer for every authentication failure, whatever the reason, so that an unknown
     * tenant, another tenant's id and a bad key look exactly alike to the caller.
     */
    public static GatewayError unauthenticated(String reason) {
        return new GatewayError(ErrorCode.UNAUTHENTICATED,
                "A valid API key for the requested tenant is required.", reason);
    }

    public int status() {
        return code.status();
    }

    /** Whether this refusal is security-relevant (logged as a security event). */
    public boolean securityRelevant() {
        return switch (code) {
            case UNAUTHENTICATED, TENANT_SUSPENDED, FORBIDDEN, MODEL_NOT_ALLOWED, TENANT_CONFLICT,
                 INVALID_TENANT, RESERVED_FIELD, ISOLATION_VIOLATION, INVALID_HEADER, INVALID_PATH -> true;
            default -> false;
        };
    }
}
