package dev.warden.config;

/** One upstream server of a pool: where it is and which region it runs in. */
public record UpstreamConfig(String url, String scheme, String host, int port, String basePath, String region) {
    public boolean tls() {
        return "https".equals(scheme);
    }

    /** host:port, for logs and the {@code X-Upstream} metric label. */
    public String authority() {
        return host + ":" + port;
    }
}
