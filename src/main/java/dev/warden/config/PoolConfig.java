package dev.warden.config;

import java.util.List;

/**
 * A set of interchangeable upstreams serving the same models.
 *
 * @param serviceTokens whether each forwarded request carries a Warden-signed service token
 *                      ({@code Authorization: Bearer}) the upstream can verify with Warden's JWKS
 * @param perRequestTokens with {@code serviceTokens}: a fresh token for every request, naming it
 *                      ({@code request_id}), instead of one reused per principal for up to 60 s
 * @param jobsPath      where the pool's job service lives on each upstream (e.g. {@code /v1/jobs}),
 *                      or null: the pool runs no long-running jobs
 */
public record PoolConfig(String name, List<UpstreamConfig> upstreams, boolean serviceTokens, boolean perRequestTokens,
                         String jobsPath) {
    public PoolConfig(String name, List<UpstreamConfig> upstreams) {
        this(name, upstreams, false, false, null);
    }

    public PoolConfig {
        upstreams = List.copyOf(upstreams);
    }

    public boolean runsJobs() {
        return jobsPath != null;
    }
}
