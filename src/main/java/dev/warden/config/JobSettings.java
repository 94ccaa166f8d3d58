package dev.warden.config;

/**
 * Long-running jobs: how their workers renew credentials, and how many a tenant may run at once.
 *
 * @param renewalUrl           the data-plane base URL job workers call to renew
 *                             ({@code POST {renewalUrl}/internal/v1/jobs/{id}/token}); null = the
 *                             data listener's own address
 * @param tokenLifetimeSeconds life of a job's service token ({@code exp - iat}, whole seconds)
 * @param renewEveryMs         how often a worker is told to renew; below the token's lifetime, so a
 *                             worker always holds a valid token while its job is in good standing,
 *                             and a revocation stops the job within one period
 * @param maxActivePerTenant   queued + running jobs a tenant may have at once
 */
public record JobSettings(String renewalUrl, int tokenLifetimeSeconds, long renewEveryMs, int maxActivePerTenant) {
    public static final JobSettings DEFAULTS = new JobSettings(null, 300, 60_000, 50);

    public JobSettings {
        if (tokenLifetimeSeconds < 2) {
            throw new IllegalArgumentException("tokenLifetimeSeconds: " + tokenLifetimeSeconds + " (expected: >= 2)");
        }
        if (renewEveryMs < 100 || renewEveryMs > (tokenLifetimeSeconds - 1) * 1000L) {
            throw new IllegalArgumentException("renewEveryMs: " + renewEveryMs + " (expected: 100 .. (tokenLifetimeSeconds - 1) * 1000)");
        }
    }

    /** The base URL workers renew at: the configured one, or the data listener's own address. */
    public String renewalBase(ListenerConfig data, int boundPort) {
        if (renewalUrl != null) {
            return renewalUrl.endsWith("/") ? renewalUrl.substring(0, renewalUrl.length() - 1) : renewalUrl;
        }
        String host = data.host().equals("0.0.0.0") || data.host().equals("::") ? "127.0.0.1" : data.host();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return (data.tls() != null ? "https" : "http") + "://" + host + ":" + boundPort;
    }
}
