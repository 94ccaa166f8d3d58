package dev.warden.config;

import java.util.List;

/**
 * A set of interchangeable upstreams serving the same models.
 *
 * @param serviceTokens whether each forwarded request carries a Warden-signed service token
 *                      ({@code Authorization: Bearer}) the upstream can verify with Warden's JWKS
 */
public record PoolConfig(String name, List<UpstreamConfig> upstreams, boolean serviceTokens) {
    public PoolConfig(String name, List<UpstreamConfig> upstreams) {
        this(name, upstreams, false);
    }

    public PoolConfig {
        upstreams = List.copyOf(upstreams);
    }
}
