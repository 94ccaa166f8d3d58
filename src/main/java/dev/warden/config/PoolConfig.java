package dev.warden.config;

import java.util.List;

/**
 * A set of interchangeable upstreams serving the same models.
 *
 * @param serviceTokens whether each forwarded request carries a Warden-signed service token
 *                      ({@code Authorization: Bearer}) the upstream can verify with Warden's JWKS
 * @param jobsPath      where the pool's job service lives on each upstream (e.g. {@code /v1/jobs}),
 *                      or null: the pool runs no long-running jobs
 */
public record PoolConfig(String name, List<UpstreamConfig> upstreams, boolean serviceTokens, String jobsPath) {
    public PoolConfig(String name, List<UpstreamConfig> upstreams) {
        this(name, upstreams, false, null);
    }

    public PoolConfig {
        upstreams = List.copyOf(upstreams);
    }

    public boolean runsJobs() {
        return jobsPath != null;
    }
}
