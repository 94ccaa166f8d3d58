package dev.warden.record;

/**
 * One logged exchange of a tenant that opted in to payload logging: its metadata in the clear, its
 * prompt and answer only ever stored sealed ({@code sealed}, {@link PayloadLog}).
 *
 * @param id        the payload's own id ({@code pl-<request id>}), unique across tenants
 * @param principal who called (a key id or a token's subject)
 * @param expiresAtMs when it is deleted (the tenant's retention at the time it was written)
 * @param sealed    the sealed {@code {"request": ..., "response": ...}} document
 */
public record PayloadRecord(String id, String tenant, String requestId, long atMs, String principal, String operation, String model,
                            int status, long expiresAtMs, String sealed) {
    /** Associated data of the sealed document: it opens only as this tenant's payload of this id. */
    public static String aad(String tenant, String id) {
        return "payload|" + tenant + "|" + id;
    }
}
