package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads {@code models}: each model's pool, name upstream, tokenizer, token caps, price and compute weight. */
final class ModelsReader {
    private static final Set<String> ENCODINGS = Set.of("cl100k_base", "o200k_base", "p50k_base", "p50k_edit", "r50k_base");

    private ModelsReader() {
    }

    static Map<String, ModelConfig> read(ConfigReader r, JsonNode root, Map<String, PoolConfig> pools) {
        Map<String, ModelConfig> models = new LinkedHashMap<>();
        r.entries(root, "", "models", true, (name, node, path) -> {
            if (!Ids.isModelName(name)) {
                r.error(path, "invalid model name (expected: 1..128 of [A-Za-z0-9._:/-], starting alphanumeric)");
            }
            r.onlyKnown(node, path, Set.of("pool", "upstreamName", "encoding", "defaultMaxTokens", "maxOutputTokens",
                    "maxInputTokens", "price", "computeWeight", "predictPath", "maxTokensField"));
            String pool = r.string(node, path, "pool", null, true);
            if (pool != null && !pools.containsKey(pool)) {
                r.error(path + ".pool", "unknown pool '" + pool + "' (expected one of: " + String.join(", ", pools.keySet()) + ")");
            }
            String upstreamName = r.string(node, path, "upstreamName", name, false);
            if (upstreamName != null && !Ids.isModelName(upstreamName)) {
                r.error(path + ".upstreamName", "'" + upstreamName + "' (expected: 1..128 of [A-Za-z0-9._:/-], starting alphanumeric)");
            }
            PoolConfig poolConfig = pool == null ? null : pools.get(pool);
            if (poolConfig != null && poolConfig.provider() == ProviderKind.AZURE_OPENAI && upstreamName != null
                    && !upstreamName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                r.error(path + ".upstreamName", "'" + upstreamName + "' (expected: the Azure deployment's name, 1..64 of [A-Za-z0-9._-])");
            }
            String maxTokensField = node.has("maxTokensField")
                    ? r.oneOf(node, path, "maxTokensField", Set.of(ModelConfig.MAX_TOKENS, ModelConfig.MAX_COMPLETION_TOKENS), null) : null;
            String encoding = r.string(node, path, "encoding", "cl100k_base", false);
            if (encoding != null && !ENCODINGS.contains(encoding)) {
                r.error(path + ".encoding", "'" + encoding + "' (expected: cl100k_base, o200k_base, p50k_base, p50k_edit or r50k_base)");
            }
            int maxIn = r.integer(node, path, "maxInputTokens", ModelConfig.DEFAULT_MAX_INPUT_TOKENS, 1, 100_000_000);
            int maxOut = r.integer(node, path, "maxOutputTokens", 4096, 1, 10_000_000);
            int dfltOut = r.integer(node, path, "defaultMaxTokens", Math.min(256, maxOut), 1, 10_000_000);
            if (dfltOut > maxOut) {
                r.error(path + ".defaultMaxTokens", dfltOut + " (expected: <= maxOutputTokens " + maxOut + ")");
            }
            Price price = Price.FREE;
            JsonNode pn = node.get("price");
            if (r.isObject(pn, path + ".price", false)) {
                r.onlyKnown(pn, path + ".price", Set.of("inputPer1k", "outputPer1k"));
                price = new Price(r.longValue(pn, path + ".price", "inputPer1k", 0, 0, Long.MAX_VALUE / 4),
                        r.longValue(pn, path + ".price", "outputPer1k", 0, 0, Long.MAX_VALUE / 4));
            }
            int weight = r.integer(node, path, "computeWeight", 1, 1, 1_000_000);
            String predict = r.string(node, path, "predictPath", "/v1/models/{model}/predict", false);
            if (predict != null && (!predict.startsWith("/") || !predict.matches("[A-Za-z0-9._~:/{}-]+") || predict.contains(".."))) {
                r.error(path + ".predictPath", "'" + predict + "' (expected: an absolute path of [A-Za-z0-9._~:/-], may hold {model})");
            }
            models.put(name, new ModelConfig(name, pool, upstreamName, encoding, dfltOut, maxOut, price, weight, predict, maxIn,
                    maxTokensField));
        });
        return models;
    }
}
