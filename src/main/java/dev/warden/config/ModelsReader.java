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
                    "maxInputTokens", "price", "computeWeight", "predict", "predictPath", "maxTokensField"));
            if (node.has("predictPath")) {
                r.error(path + ".predictPath", "moved to predict.path (with the route's cost: predict.computeUnits, predict.price)");
            }
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
            String encoding = r.string(node, path, "encoding", defaultEncoding(upstreamName == null ? name : upstreamName), false);
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
            double weight = r.decimal(node, path, "computeWeight", 1, 0.001, 1_000_000);
            PredictCost predict = predict(r, node.get("predict"), path + ".predict", weight);
            models.put(name, new ModelConfig(name, pool, upstreamName, encoding, dfltOut, maxOut, price, weight, predict, maxIn,
                    maxTokensField));
        });
        return models;
    }

    /** {@code predict}: the route's upstream path and its cost per call, item and KiB (absent: no predict route). */
    private static PredictCost predict(ConfigReader r, JsonNode node, String path, double weight) {
        if (!r.isObject(node, path, false)) {
            return null;
        }
        r.onlyKnown(node, path, Set.of("path", "computeUnits", "price"));
        String route = r.string(node, path, "path", "/v1/models/{model}/predict", false);
        if (route != null && (!route.startsWith("/") || !route.matches("[A-Za-z0-9._~:/{}-]+") || route.contains(".."))) {
            r.error(path + ".path", "'" + route + "' (expected: an absolute path of [A-Za-z0-9._~:/-], may hold {model})");
        }
        if (!node.has("price")) {
            r.error(path + ".price", "missing (a predict call's price per call, item or KiB; { perCall: 0 } if it is free)");
        }
        // one unit of the model's compute per call unless said otherwise
        PredictCost.Rates units = rates(r, node.get("computeUnits"), path + ".computeUnits",
                new PredictCost.Rates((long) Math.ceil(weight), 0, 0));
        return new PredictCost(route, units, rates(r, node.get("price"), path + ".price", PredictCost.Rates.NONE));
    }

    private static PredictCost.Rates rates(ConfigReader r, JsonNode node, String path, PredictCost.Rates dflt) {
        if (!r.isObject(node, path, false)) {
            return dflt;
        }
        r.onlyKnown(node, path, Set.of("perCall", "perItem", "perKiB"));
        long max = 1_000_000_000_000L;
        return new PredictCost.Rates(r.longValue(node, path, "perCall", 0, 0, max), r.longValue(node, path, "perItem", 0, 0, max),
                r.longValue(node, path, "perKiB", 0, 0, max));
    }

    /**
     * The encoding a model's tokens are counted with when its config names none: OpenAI's older
     * families (GPT-4 before 4o, GPT-3.5, the ada-002 and v3 embeddings) use {@code cl100k_base};
     * everything newer (GPT-4o, 4.1, 5, the o-series, gpt-oss) and any other model
     * {@code o200k_base}, the encoding of current models.
     */
    static String defaultEncoding(String upstreamName) {
        String m = upstreamName.toLowerCase(java.util.Locale.ROOT);
        int slash = m.lastIndexOf('/');
        m = slash >= 0 ? m.substring(slash + 1) : m; // a provider prefix (openai/gpt-4) names the same model
        boolean older = (m.startsWith("gpt-4") && !m.startsWith("gpt-4o") && !m.startsWith("gpt-4.")) || m.startsWith("gpt-3.5")
                || m.startsWith("gpt-35") || m.startsWith("text-embedding-ada-002") || m.startsWith("text-embedding-3");
        return older ? "cl100k_base" : "o200k_base";
    }
}
