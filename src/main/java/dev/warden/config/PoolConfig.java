package dev.warden.config;

import java.util.List;

/** A set of interchangeable upstreams serving the same models. */
public record PoolConfig(String name, List<UpstreamConfig> upstreams) {
    public PoolConfig {
        upstreams = List.copyOf(upstreams);
    }
}
