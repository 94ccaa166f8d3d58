package dev.warden.config;

/** One listener: host and port (0 = any free port, used by tests). */
public record ListenerConfig(String host, int port) {
    public ListenerConfig {
        java.util.Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
