package dev.warden.config;

import java.util.Set;

/**
 * A platform service allowed to exchange Warden service tokens (RFC 8693) at {@code /oauth2/token}:
 * it authenticates with its own secret (HTTP Basic; only the keyed hash is in the config), may
 * exchange tokens addressed to one of {@code from} (the pools it serves) for tokens addressed to
 * one of {@code to} (its next hops).
 */
public record ExchangeClient(String id, String secretHash, Set<String> from, Set<String> to) {
    public ExchangeClient {
        from = Set.copyOf(from);
        to = Set.copyOf(to);
    }

    @Override
    public String toString() {
        return "ExchangeClient[id=" + id + ", secret=<redacted>, from=" + from + ", to=" + to + "]";
    }
}
