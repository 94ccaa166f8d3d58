package dev.warden.config;

/**
 * Upstream timeouts in milliseconds: TCP connect, time to the response head (first byte), and the
 * longest silence within a response stream. Client-side: the idle timeout of a client connection.
 * {@code drainMs}: at SIGTERM, how long requests in flight may run on before their connections
 * are closed. {@code headerMs} / {@code bodyMs}: from a request's first byte, the longest a client
 * may take to send its head, and then its body (slow clients are answered 408).
 * {@code shutdownDelayMs}: at SIGTERM, how long the listener keeps accepting (while {@code /readyz}
 * already answers 503) before it closes and the drain begins, so that load balancers stop sending
 * first: what a Kubernetes {@code preStop} sleep does, for any orchestrator.
 */
public record Timeouts(int connectMs, int firstByteMs, int idleMs, int clientIdleMs, int drainMs, int headerMs, int bodyMs,
                       int shutdownDelayMs) {
    public static final Timeouts DEFAULTS = new Timeouts(2_000, 120_000, 60_000, 75_000, 15_000, 10_000, 30_000, 0);
}
