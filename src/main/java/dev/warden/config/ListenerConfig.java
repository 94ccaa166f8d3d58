package dev.warden.config;

import java.util.Objects;

/**
 * One listener: host and port (0 = any free port, used by tests), and TLS (null: plain HTTP).
 */
public record ListenerConfig(String host, int port, TlsConfig tls) {
    public ListenerConfig(String host, int port) {
        this(host, port, null);
    }

    public ListenerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
