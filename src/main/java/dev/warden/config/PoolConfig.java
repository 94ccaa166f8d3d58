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
 * @param jobCapacity   the GPUs jobs share on this pool and their price (set exactly when {@code jobsPath} is)
 * @param capacity      its seats and fair queue, or null: no seat limit
 * @param resilience    circuit breakers, health checks and retries of its upstreams
 * @param provider      what its upstreams speak (each upstream carries it too, with its credential)
 */
public record PoolConfig(String name, List<UpstreamConfig> upstreams, boolean serviceTokens, boolean perRequestTokens,
                         String jobsPath, JobCapacity jobCapacity, Capacity capacity, Resilience resilience, ProviderKind provider) {
    public PoolConfig(String name, List<UpstreamConfig> upstreams) {
        this(name, upstreams, false, false, null, null, null, Resilience.DEFAULTS, ProviderKind.OPENAI);
    }

    /**
     * A pool's capacity in seats, shared fairly between tenants.
     *
     * @param seats             requests' worth of capacity (a request takes ceil(compute units / seatUnits) seats)
     * @param seatUnits         worst-case compute units one seat carries (tokens x the model's compute
     *                          weight: a heavy model's request takes more of the pool than a light one's)
     * @param maxQueuePerTenant requests of one tenant that may wait (429 queue_full past it)
     * @param queueTimeoutMs    the longest wait (503 queue_timeout)
     * @param batchSharePercent the part of the seats {@code batch} requests are guaranteed while
     *                          interactive ones wait too
     */
    public record Capacity(int seats, int seatUnits, int maxQueuePerTenant, long queueTimeoutMs, int batchSharePercent) {
        /** The seats a request of {@code computeUnits} worst-case compute units takes (1..seats). */
        public int seatsFor(long computeUnits) {
            return (int) Math.max(1, Math.min(seats, (computeUnits + seatUnits - 1) / seatUnits));
        }
    }

    public PoolConfig {
        upstreams = List.copyOf(upstreams);
    }

    public boolean runsJobs() {
        return jobsPath != null;
    }
}
