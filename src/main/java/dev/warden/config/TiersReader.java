package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code tiers}: each tier's limits (rates by scope, quotas, burst, concurrency, pacing) and response cache. */
final class TiersReader {
    private TiersReader() {
    }

    static Map<String, TierConfig> read(ConfigReader r, JsonNode root, Map<String, ModelConfig> models) {
        Map<String, TierConfig> tiers = new LinkedHashMap<>();
        r.entries(root, "", "tiers", true, (name, node, path) -> {
            if (!Ids.isName(name)) {
                r.error(path, "invalid tier name (expected: 1..64 of [a-z0-9-])");
            }
            r.onlyKnown(node, path, Set.of("description", "maxOutputTokens", "maxStreamSeconds", "limits", "cache", "jobs", "guardrails", "fields",
                    "batchPricePercent"));
            tiers.put(name, new TierConfig(name, r.string(node, path, "description", "", false),
                    r.integer(node, path, "maxOutputTokens", 0, 0, 10_000_000),
                    r.integer(node, path, "maxStreamSeconds", TierConfig.DEFAULT_MAX_STREAM_SECONDS, 1, 86_400),
                    limits(r, node.get("limits"), path + ".limits", models), cacheSettings(r, node.get("cache"), path + ".cache"),
                    jobLimits(r, node.get("jobs"), path + ".jobs"), GuardrailsReader.read(r, node.get("guardrails"), path + ".guardrails", models.keySet()),
                    FieldsReader.read(r, node.get("fields"), path + ".fields"),
                    r.integer(node, path, "batchPricePercent", 100, 1, 100)));
        });
        return tiers;
    }

    private static RateLimits limits(ConfigReader r, JsonNode ln, String lp, Map<String, ModelConfig> models) {
        if (!r.isObject(ln, lp, false)) {
            return RateLimits.NONE;
        }
        r.onlyKnown(ln, lp, Set.of("requestsPerMinute", "tokensPerMinute", "computeUnitsPerMinute", "perKey", "perUser", "perModel", "dailyTokens",
                "monthlyTokens", "burstSeconds", "concurrency", "weight", "pacing", "whenStoreDown", "enforced"));
        String whenDown = r.string(ln, lp, "whenStoreDown", "share", false);
        if (!whenDown.equals("share") && !whenDown.equals("refuse")) {
            r.error(lp + ".whenStoreDown", whenDown + " (expected: share or refuse)");
        }
        Map<String, RateLimits.Rate> perModel = new LinkedHashMap<>();
        r.entries(ln, lp, "perModel", false, (model, mn, mp) -> {
            if (!models.containsKey(model)) {
                r.error(mp, "unknown model '" + model + "'");
            }
            perModel.put(model, rate(r, mn, mp, Set.of()));
        });
        return new RateLimits(rate(r, ln, lp, Set.of("perKey", "perUser", "perModel", "dailyTokens", "monthlyTokens",
                        "burstSeconds", "concurrency", "weight", "pacing", "whenStoreDown", "enforced")),
                rate(r, ln.get("perKey"), lp + ".perKey", Set.of()), rate(r, ln.get("perUser"), lp + ".perUser", Set.of()), perModel,
                r.longValue(ln, lp, "dailyTokens", 0, 0, 1_000_000_000_000_000L),
                r.longValue(ln, lp, "monthlyTokens", 0, 0, 1_000_000_000_000_000L),
                r.integer(ln, lp, "burstSeconds", 10, 1, 3600), r.integer(ln, lp, "concurrency", 0, 0, 1_000_000),
                r.integer(ln, lp, "weight", 1, 1, 1000), r.bool(ln, lp, "pacing", false), whenDown.equals("refuse"), r.bool(ln, lp, "enforced", true));
    }

    /** {@code requestsPerMinute}, {@code tokensPerMinute} and {@code computeUnitsPerMinute} of one scope of a tier's limits (absent node: no limit). */
    private static RateLimits.Rate rate(ConfigReader r, JsonNode node, String path, Set<String> alsoAllowed) {
        if (node == null || !r.isObject(node, path, false)) {
            return RateLimits.Rate.NONE;
        }
        Set<String> known = new HashSet<>(alsoAllowed);
        known.add("requestsPerMinute");
        known.add("tokensPerMinute");
        known.add("computeUnitsPerMinute");
        r.onlyKnown(node, path, known);
        return new RateLimits.Rate(r.longValue(node, path, "requestsPerMinute", 0, 0, 1_000_000_000L),
                r.longValue(node, path, "tokensPerMinute", 0, 0, 1_000_000_000_000L),
                r.longValue(node, path, "computeUnitsPerMinute", 0, 0, 1_000_000_000_000L));
    }

    /** A tier's limits on long-running jobs (absent: none beyond the pools' capacity). */
    private static JobLimits jobLimits(ConfigReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, false)) {
            return JobLimits.NONE;
        }
        r.onlyKnown(n, path, Set.of("maxGpus", "gpuHoursPerDay", "gpuHoursPerMonth"));
        return new JobLimits(r.integer(n, path, "maxGpus", 0, 0, 1_000_000),
                Math.round(r.decimal(n, path, "gpuHoursPerDay", 0, 0, 1_000_000_000) * JobCapacity.GPU_HOUR_MS),
                Math.round(r.decimal(n, path, "gpuHoursPerMonth", 0, 0, 1_000_000_000) * JobCapacity.GPU_HOUR_MS));
    }

    /** A tier's response cache, or null (absent, or {@code enabled: false}). */
    private static CacheSettings cacheSettings(ConfigReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, false)) {
            return null;
        }
        r.onlyKnown(n, path, Set.of("enabled", "ttlSeconds", "maxBytes", "maxEntryBytes", "pricePercent", "anyTemperature"));
        long maxBytes = r.longValue(n, path, "maxBytes", 16L << 20, 1024, 1L << 40);
        CacheSettings c = new CacheSettings(r.integer(n, path, "ttlSeconds", 300, 1, 7 * 86_400), maxBytes,
                r.integer(n, path, "maxEntryBytes", (int) Math.min(maxBytes, 256 * 1024), 1, (int) Math.min(maxBytes, 64L << 20)),
                r.integer(n, path, "pricePercent", 10, 0, 100), r.bool(n, path, "anyTemperature", false));
        return r.bool(n, path, "enabled", true) ? c : null;
    }
}
