package dev.warden.store;

/**
 * An object an upstream stores for a tenant (a Responses API response): who owns it and where it
 * lives, so that only its tenant reaches it and every call about it goes to the upstream that holds it.
 *
 * @param kind        what it is ({@code response})
 * @param id          the upstream's id ({@code resp_...})
 * @param upstreamUrl the upstream that holds it (calls about it go there, and only there)
 * @param model       the model that made it (routing and pricing of calls about it)
 */
public record OwnedObject(String kind, String id, String tenant, String upstreamUrl, String region, String model, long createdAtMs) {
    public static final String RESPONSE = "response";
}
