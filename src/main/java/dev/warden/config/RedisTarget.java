package dev.warden.config;

import java.util.List;

/**
 * The Redis a store talks to: one server ({@code standalone}), a Redis Cluster (its seed nodes;
 * the client learns the rest and routes each key to its slot's master), or a master found through
 * Sentinel (the sentinels, and the name they watch it by).
 *
 * @param topology {@code standalone}, {@code cluster} or {@code sentinel}
 * @param urls     {@code redis://[:password@]host[:port][/db]} (or {@code rediss://}): the server, the
 *                 cluster's seeds or the sentinels; the first is {@code redis}, the rest {@code redisNodes}
 * @param master   the master's name in Sentinel (null otherwise)
 */
public record RedisTarget(String topology, List<String> urls, String master) {
    public static final String STANDALONE = "standalone";
    public static final String CLUSTER = "cluster";
    public static final String SENTINEL = "sentinel";

    public RedisTarget {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one Redis URL");
        }
    }

    public static RedisTarget standalone(String url) {
        return new RedisTarget(STANDALONE, List.of(url), null);
    }

    /** The first URL: the server, or the first seed or sentinel. */
    public String url() {
        return urls.get(0);
    }

    public boolean cluster() {
        return CLUSTER.equals(topology);
    }

    /** The target without credentials, for logs. */
    public String redacted() {
        String nodes = String.join(",", urls.stream().map(LimiterSettings::redact).toList());
        return switch (topology) {
            case CLUSTER -> "cluster " + nodes;
            case SENTINEL -> "sentinel " + nodes + " master " + master;
            default -> nodes;
        };
    }

    @Override
    public String toString() {
        return "RedisTarget[" + redacted() + "]";
    }
}
