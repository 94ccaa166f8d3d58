package dev.warden.config;

/**
 * One upstream server of a pool: where it is, which region it runs in, and its share of the
 * pool's traffic relative to the others ({@code weight}, 1..1000).
 */
public record UpstreamConfig(String url, String scheme, String host, int port, String basePath, String region, int weight) {
    public boolean tls() {
        return "https".equals(scheme);
    }

    /** host:port, for logs and the {@code X-Upstream} metric label. */
    public String authority() {
        return host + ":" + port;
    }
}
