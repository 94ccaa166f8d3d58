package dev.warden.config;

/**
 * Caps on what a client may send. Oversized input is refused before it is read whole.
 *
 * @param maxBodyBytes   request body cap (413)
 * @param maxHeaderBytes total request header size cap (431)
 * @param maxUriBytes    request line cap (414)
 * @param maxJsonDepth   JSON nesting cap (400)
 * @param maxResponseBytes cap on a non-streaming upstream answer read for its usage
 * @param maxConnections   open data-plane connections in all (past it a new one is closed at once)
 * @param maxConnectionsPerSource open connections from one client address (0: no such cap)
 * @param maxAudioBytes    cap on an audio upload to transcribe or translate (413), streamed to disk
 * @param maxAbortsPerTenant requests a tenant's clients may abandon per minute on one replica (then 429); 0: no cap
 * @param maxInFlightPerTenant requests of one tenant in flight on one replica, whatever their connections (then 429); 0: no cap
 */
public record Limits(int maxBodyBytes, int maxHeaderBytes, int maxUriBytes, int maxJsonDepth, int maxResponseBytes,
                     int maxConnections, int maxConnectionsPerSource, int maxAudioBytes,
                     int maxAbortsPerTenant, int maxInFlightPerTenant) {
    public static final Limits DEFAULTS = new Limits(4 * 1024 * 1024, 16 * 1024, 8 * 1024, 64, 16 * 1024 * 1024, 10_000, 1_000,
            25 * 1024 * 1024, 600, 4096);
}
