package dev.warden.problem;

import java.util.Locale;

/**
 * Every stable error code a client can see, with its HTTP status and title.
 *
 * <p>The {@code code} string is a public contract (listed in docs/errors.md): never rename one.
 */
public enum ErrorCode {
    INVALID_REQUEST(400, "Invalid request"),
    INVALID_JSON(400, "Invalid JSON body"),
    INVALID_PATH(400, "Invalid path"),
    INVALID_HEADER(400, "Invalid header"),
    INVALID_TENANT(400, "Invalid tenant identifier"),
    TENANT_CONFLICT(400, "Conflicting tenant identifiers"),
    RESERVED_FIELD(400, "Reserved field in body"),
    UNAUTHENTICATED(401, "Unauthenticated"),
    INSUFFICIENT_USER_AUTHENTICATION(401, "Insufficient user authentication"),
    INVALID_CLIENT(401, "Invalid client"),
    INVALID_GRANT(400, "Invalid grant"),
    INVALID_SCOPE(400, "Invalid scope"),
    INVALID_TARGET(400, "Invalid target"),
    UNSUPPORTED_GRANT_TYPE(400, "Unsupported grant type"),
    TENANT_SUSPENDED(403, "Tenant suspended"),
    FORBIDDEN(403, "Forbidden"),
    MODEL_NOT_ALLOWED(403, "Model not allowed"),
    REGION_NOT_ALLOWED(403, "Not stored in a region the tenant may use"),
    GUARDRAIL_BLOCKED(400, "Blocked by a guardrail"),
    GUARDRAIL_UNAVAILABLE(503, "Guardrail check unavailable"),
    ADMIN_PAYLOAD_DENIED(403, "Payload access denied"),
    AUDIT_IMMUTABLE(403, "The audit log cannot be changed"),
    JOB_RENEWAL_DENIED(403, "Job credential renewal denied"),
    NOT_FOUND(404, "Not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    CONFLICT(409, "Conflict"),
    JOB_FINISHED(409, "Job already finished"),
    JOBS_UNSUPPORTED(400, "The model's pool runs no jobs"),
    OPERATION_UNSUPPORTED(400, "Operation not offered by the model's provider"),
    JOB_LIMIT(429, "Too many active jobs"),
    JOB_TOO_LARGE(400, "Job larger than allowed"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    BODY_TOO_LARGE(413, "Request body too large"),
    PROMPT_TOO_LARGE(413, "Prompt too large for the model"),
    REQUEST_TIMEOUT(408, "Request timeout"),
    URI_TOO_LONG(414, "URI too long"),
    HEADERS_TOO_LARGE(431, "Request header fields too large"),
    RATE_LIMITED(429, "Rate limited"),
    CONCURRENCY_LIMITED(429, "Too many requests in flight"),
    BUDGET_EXHAUSTED(429, "Budget exhausted"),
    QUOTA_EXHAUSTED(429, "Quota exhausted"),
    QUEUE_FULL(429, "Too many requests waiting"),
    NO_UPSTREAM_IN_REGION(503, "No upstream available in an allowed region"),
    QUEUE_TIMEOUT(503, "No capacity in time"),
    UPSTREAM_UNAVAILABLE(502, "Upstream unavailable"),
    UPSTREAM_TIMEOUT(504, "Upstream timeout"),
    STORE_UNAVAILABLE(503, "Control store unavailable"),
    LIMITER_UNAVAILABLE(503, "Limiter store unavailable"),
    AUDIT_UNAVAILABLE(503, "Audit log unavailable"),
    USAGE_UNAVAILABLE(503, "Usage ledger unavailable"),
    PAYLOAD_LOG_UNAVAILABLE(503, "Payload log unavailable"),
    UPSTREAM_PROTOCOL_ERROR(502, "Upstream protocol error"),
    UPSTREAM_AUTH_FAILED(502, "The upstream refused the gateway's credential"),
    ISOLATION_VIOLATION(502, "Isolation violation"),
    INTERNAL_ERROR(500, "Internal error");

    private final int status;
    private final String title;
    private final String code;

    ErrorCode(int status, String title) {
        this.status = status;
        this.title = title;
        this.code = name().toLowerCase(Locale.ROOT);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The stable, client-visible code, e.g. {@code model_not_allowed}. */
    public String code() {
        return code;
    }
}
