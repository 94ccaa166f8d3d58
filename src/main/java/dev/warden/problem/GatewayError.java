package dev.warden.problem;

import java.util.Objects;

/**
 * A refusal as a value: what the client sees ({@code code}, {@code detail}) and why it happened
 * ({@code reason}, for logs and security events only, never sent to the client).
 *
 * <p>The detail must never name another tenant, a secret, or a library message.
 *
 * @param challenge a {@code WWW-Authenticate} value the answer must carry (a step-up request), or null
 */
public record GatewayError(ErrorCode code, String detail, String reason, String challenge) {

    /** The reason of a 503 {@code no_upstream_in_region} when allowed upstreams exist but none is available now. */
    public static final String NO_HEALTHY_UPSTREAM = "no_healthy_upstream";

    public GatewayError(ErrorCode code, String detail, String reason) {
        this(code, detail, reason, null);
    }

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

    /**
     * Whether this is a refusal the audit log and the security log record (ATTACKS' "AE": exactly
     * one event per reject): every refusal of what a client sent (each 4xx), a residency refusal,
     * and an isolation violation. Not recorded there: the upstream's failures (502/504, and 503
     * {@code no_upstream_in_region} when the region's upstreams are all down: in metrics and the
     * ledger) and the gateway failing closed on its own writers (503, in metrics).
     */
    public boolean securityRelevant() {
        return switch (code) {
            case ISOLATION_VIOLATION -> true;
            case NO_UPSTREAM_IN_REGION -> !reason.equals(NO_HEALTHY_UPSTREAM);
            default -> code.status() >= 400 && code.status() < 500;
        };
    }
}
