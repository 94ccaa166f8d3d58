package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
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
        r.onlyKnown(n, "limiter", Set.of("store", "redis", "redisEnv", "redisFile", "namespace", "holdTtlSeconds", "timeoutMs"));
        String kind = storeKind(r, n, "limiter");
        String redisUrl = redisUrl(r, n, "limiter", LimiterSettings.DEFAULTS.redisUrl(), values);
        String namespace = namespace(r, n, "limiter", "w");
        return new LimiterSettings(kind, redisUrl, namespace, r.integer(n, "limiter", "holdTtlSeconds", 60, 3, 86_400),
                r.integer(n, "limiter", "timeoutMs", 250, 10, 10_000));
    }

    /** The response cache's store: the limiter's Redis and namespace unless named. */
    static CacheStoreSettings cache(ConfigReader r, JsonNode root, LimiterSettings limiter, IndirectValues values) {
        JsonNode n = root.get("cache");
        if (!r.isObject(n, "cache", false)) {
            return CacheStoreSettings.LOCAL;
        }
        r.onlyKnown(n, "cache", Set.of("store", "redis", "redisEnv", "redisFile", "namespace"));
        return new CacheStoreSettings(storeKind(r, n, "cache").equals("redis"),
                redisUrl(r, n, "cache", limiter.redisUrl(), values), namespace(r, n, "cache", limiter.namespace()));
    }

    /** {@code <section>.store}: local or redis. */
    private static String storeKind(ConfigReader r, JsonNode n, String section) {
        String kind = r.string(n, section, "store", "local", false);
        if (!kind.equals("local") && !kind.equals("redis")) {
            r.error(section + ".store", kind + " (expected: local or redis)");
        }
        return kind;
    }

    /** {@code <section>.redis} (or {@code redisEnv}, {@code redisFile}): a redis:// or rediss:// URL. */
    private static String redisUrl(ConfigReader r, JsonNode n, String section, String dflt, IndirectValues values) {
        String url = values.read(n, section, "redis", dflt);
        if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            r.error(section + ".redis", "(expected: redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)");
        }
        return url;
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
