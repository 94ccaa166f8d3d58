package dev.warden.config;

import java.util.Set;

/**
 * A platform service allowed to exchange Warden service tokens (RFC 8693) at {@code /oauth2/token}:
 * it authenticates with its own credential, a secret (HTTP Basic; only the keyed hash is in the
 * config) and/or a client certificate (RFC 8705 {@code tls_client_auth}: a chain to
 * {@code certificate}'s CAs whose identity equals {@code certificateSubject}), and may exchange
 * tokens addressed to one of {@code from} (the pools it serves) for tokens addressed to one of
 * {@code to} (its next hops).
 *
 * @param secretHash  the keyed hash of its secret, or empty: no secret accepted
 * @param certificate the CA bundle and identity field its certificate is checked with, or null
 */
public record ExchangeClient(String id, String secretHash, Set<String> from, Set<String> to,
                             TenantAuth.MtlsPolicy certificate, String certificateSubject) {
    public ExchangeClient(String id, String secretHash, Set<String> from, Set<String> to) {
        this(id, secretHash, from, to, null, null);
    }

    public ExchangeClient {
        from = Set.copyOf(from);
        to = Set.copyOf(to);
    }

    @Override
    public String toString() {
        return "ExchangeClient[id=" + id + ", secret=<redacted>, from=" + from + ", to=" + to
                + (certificate == null ? "" : ", certificate=" + certificateSubject) + "]";
    }
}
