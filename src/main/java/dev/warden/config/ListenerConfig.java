package dev.warden.config;

import java.util.Objects;

/**
 * One listener: host and port (0 = any free port, used by tests), TLS (null: plain HTTP), and
 * HTTP/2 (the data listener only; off by default).
 */
public record ListenerConfig(String host, int port, TlsConfig tls, Http2 http2) {
    /**
     * HTTP/2 beside HTTP/1.1: offered by ALPN on TLS; in cleartext (h2c, prior knowledge or
     * upgrade) only when {@code cleartext}. {@code maxConcurrentStreams}: the streams one
     * connection may have open (SETTINGS_MAX_CONCURRENT_STREAMS); {@code maxResetsPerMinute}:
     * streams a client may reset per connection and minute before it is closed (rapid reset,
     * CVE-2023-44487).
     */
    public record Http2(boolean enabled, boolean cleartext, int maxConcurrentStreams, int maxResetsPerMinute) {
        public static final Http2 OFF = new Http2(false, false, 100, 200);
    }

    public ListenerConfig(String host, int port) {
        this(host, port, null, Http2.OFF);
    }

    public ListenerConfig(String host, int port, TlsConfig tls) {
        this(host, port, tls, Http2.OFF);
    }

    public ListenerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
