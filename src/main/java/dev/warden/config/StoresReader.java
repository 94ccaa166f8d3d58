package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads where state lives: {@code store} (the control store), {@code limiter} and {@code cache} (local or Redis). */
final class StoresReader {
    private StoresReader() {
    }

    static StoreSettings store(ConfigReader r, JsonNode root, IndirectValues values) {
        JsonNode n = root.get("store");
        if (!r.isObject(n, "store", false)) {
            return StoreSettings.DEFAULTS;
        }
        r.onlyKnown(n, "store", Set.of("url", "urlEnv", "urlFile", "refreshMs", "files"));
        String url = values.read(n, "store", "url", null);
        if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql://")) {
            r.error("store.url", "(expected: jdbc:sqlite:FILE or jdbc:postgresql://HOST[:PORT]/DB)");
        }
        StoreSettings.Files files = StoreSettings.Files.NONE;
        JsonNode f = n.get("files");
        if (r.isObject(f, "store.files", false)) {
            r.onlyKnown(f, "store.files", Set.of("region", "maxBytes"));
            String region = r.string(f, "store.files", "region", null, true);
            if (region != null && !Ids.isRegion(region)) {
                r.error("store.files.region", "'" + region + "' (expected a region name: 1..32 of [a-z0-9-])");
            }
            files = new StoreSettings.Files(region, r.longValue(f, "store.files", "maxBytes", StoreSettings.Files.DEFAULT_MAX_BYTES,
                    1024, 8L * 1024 * 1024 * 1024));
        }
        return new StoreSettings(url, r.integer(n, "store", "refreshMs", 1000, 100, 60_000), files);
    }

    static LimiterSettings limiter(ConfigReader r, JsonNode root, IndirectValues values) {
        JsonNode n = root.get("limiter");
        if (!r.isObject(n, "limiter", false)) {
            return LimiterSettings.DEFAULTS;
        }
        r.onlyKnown(n, "limiter", Set.of("store", "redis", "redisEnv", "redisFile", "redisTopology", "redisNodes", "redisMaster",
                "namespace", "holdTtlSeconds", "timeoutMs", "leases"));
        String kind = storeKind(r, n, "limiter");
        RedisTarget redis = redisTarget(r, n, "limiter", LimiterSettings.DEFAULTS.redis(), values);
        String namespace = namespace(r, n, "limiter", "w");
        return new LimiterSettings(kind, redis, namespace, r.integer(n, "limiter", "holdTtlSeconds", 60, 3, 86_400),
                r.integer(n, "limiter", "timeoutMs", 250, 10, 10_000), r.bool(n, "limiter", "leases", true));
    }

    /** The response cache's store: the limiter's Redis and namespace unless named. */
    static CacheStoreSettings cache(ConfigReader r, JsonNode root, LimiterSettings limiter, IndirectValues values) {
        JsonNode n = root.get("cache");
        if (!r.isObject(n, "cache", false)) {
            return CacheStoreSettings.LOCAL;
        }
        r.onlyKnown(n, "cache", Set.of("store", "redis", "redisEnv", "redisFile", "redisTopology", "redisNodes", "redisMaster",
                "namespace"));
        return new CacheStoreSettings(storeKind(r, n, "cache").equals("redis"),
                redisTarget(r, n, "cache", limiter.redis(), values), namespace(r, n, "cache", limiter.namespace()));
    }

    /** {@code <section>.store}: local or redis. */
    private static String storeKind(ConfigReader r, JsonNode n, String section) {
        String kind = r.string(n, section, "store", "local", false);
        if (!kind.equals("local") && !kind.equals("redis")) {
            r.error(section + ".store", kind + " (expected: local or redis)");
        }
        return kind;
    }

    /**
     * {@code <section>.redis} (or {@code redisEnv}, {@code redisFile}) with {@code redisTopology}
     * ({@code standalone}, {@code cluster} or {@code sentinel}), {@code redisNodes} (more cluster
     * seeds, or more sentinels) and {@code redisMaster} (Sentinel's name of the master). Nothing
     * written: {@code dflt} (the cache's default is the limiter's Redis).
     */
    private static RedisTarget redisTarget(ConfigReader r, JsonNode n, String section, RedisTarget dflt, IndirectValues values) {
        boolean written = n.has("redis") || n.has("redisEnv") || n.has("redisFile") || n.has("redisTopology") || n.has("redisNodes")
                || n.has("redisMaster");
        if (!written) {
            return dflt;
        }
        String url = values.read(n, section, "redis", LimiterSettings.DEFAULTS.redisUrl());
        String topology = r.oneOf(n, section, "redisTopology", Set.of(RedisTarget.STANDALONE, RedisTarget.CLUSTER, RedisTarget.SENTINEL),
                RedisTarget.STANDALONE);
        List<String> urls = new ArrayList<>(List.of(url));
        List<String> nodes = r.strings(n, section, "redisNodes", false, 64, 512);
        if (nodes != null) {
            if (topology.equals(RedisTarget.STANDALONE)) {
                r.error(section + ".redisNodes", "only for redisTopology cluster (more seeds) or sentinel (more sentinels)");
            }
            urls.addAll(nodes);
        }
        for (int i = 0; i < urls.size(); i++) {
            String u = urls.get(i);
            if (!u.startsWith("redis://") && !u.startsWith("rediss://")) {
                r.error(section + (i == 0 ? ".redis" : ".redisNodes[" + (i - 1) + "]"),
                        "(expected: redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)");
            }
        }
        String master = r.string(n, section, "redisMaster", null, false);
        if (topology.equals(RedisTarget.SENTINEL) && (master == null || !master.matches("[A-Za-z0-9._-]{1,64}"))) {
            r.error(section + ".redisMaster", master == null ? "missing (the name Sentinel watches the master by)"
                    : "'" + master + "' (expected: 1..64 of [A-Za-z0-9._-])");
        }
        if (!topology.equals(RedisTarget.SENTINEL) && master != null) {
            r.error(section + ".redisMaster", "only for redisTopology sentinel");
        }
        if (topology.equals(RedisTarget.CLUSTER) && urls.stream().anyMatch(u -> u.matches("rediss?://[^/]*/[1-9].*"))) {
            r.error(section + ".redis", "a Redis Cluster has only database 0");
        }
        return new RedisTarget(topology, urls, topology.equals(RedisTarget.SENTINEL) ? master : null);
    }

    /** {@code <section>.namespace}: the prefix of a store's Redis keys. */
    private static String namespace(ConfigReader r, JsonNode n, String section, String dflt) {
        String namespace = r.string(n, section, "namespace", dflt, false);
        if (!Ids.isName(namespace)) {
            r.error(section + ".namespace", "invalid (expected: 1..64 of [a-z0-9-])");
        }
        return namespace;
    }
}
