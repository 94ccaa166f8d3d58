package dev.warden.config;

import java.util.Objects;

/**
 * How Warden authenticates to an upstream with the platform's own secret (never the client's):
 * {@code Authorization: Bearer <secret>}, or the secret in a named header ({@code api-key} for
 * Azure OpenAI, {@code x-api-key} for Anthropic, any other a server wants). Warden's own service
 * tokens are the pool's {@code serviceTokens}, not a credential of this kind.
 *
 * @param header the header's name ({@code Authorization} for a bearer credential)
 * @param bearer whether the value is sent as {@code Bearer <secret>}
 */
public record UpstreamCredential(String header, boolean bearer, SecretRef secret) {
    /** No credential: the upstream is called without one (or with a service token). */
    public static final UpstreamCredential NONE = new UpstreamCredential(null, false, null);

    public UpstreamCredential {
        if ((header == null) != (secret == null)) {
            throw new IllegalArgumentException("a header and a secret, or neither");
        }
    }

    public static UpstreamCredential bearer(SecretRef secret) {
        return new UpstreamCredential("Authorization", true, Objects.requireNonNull(secret, "secret"));
    }

    public static UpstreamCredential header(String name, SecretRef secret) {
        return new UpstreamCredential(Objects.requireNonNull(name, "name"), false, Objects.requireNonNull(secret, "secret"));
    }

    public boolean present() {
        return secret != null;
    }

    /** Where it goes and where its secret is kept, never the secret. */
    @Override
    public String toString() {
        return present() ? (bearer ? "bearer" : "header " + header) + " from " + secret : "none";
    }
}
