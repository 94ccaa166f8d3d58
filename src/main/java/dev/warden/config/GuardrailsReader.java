package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads guardrails, for a tier in {@code warden.yaml} and for a tenant's {@code guardrails} settings alike. */
final class GuardrailsReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GuardrailsReader() {
    }

    /**
     * Guardrails (a tier's, or a tenant's own settings): {@code pii: {<kind>: block|redact|log, or {action, shadow}}} and
     * {@code deny: [{id, pattern, shadow}]} (absent: none).
     */
    static GuardrailPolicy read(ConfigReader r, JsonNode n, String path) {
        return read(r, n, path, null);
    }

    /** The same, with the configured models a moderation hook may name ({@code models} null: not checked here). */
    static GuardrailPolicy read(ConfigReader r, JsonNode n, String path, Set<String> models) {
        if (!r.isObject(n, path, false)) {
            return GuardrailPolicy.NONE;
        }
        r.onlyKnown(n, path, Set.of("pii", "deny", "maxPromptTokens", "output", "allow", "moderation"));
        List<java.util.regex.Pattern> allow = new ArrayList<>();
        JsonNode al = n.get("allow");
        if (al != null) {
            if (!al.isArray() || al.size() > 100) {
                r.error(path + ".allow", "expected a list of at most 100 patterns");
            } else {
                for (int i = 0; i < al.size(); i++) {
                    String at = path + ".allow[" + i + "]";
                    if (!al.get(i).isTextual() || al.get(i).textValue().isEmpty() || al.get(i).textValue().length() > 1000) {
                        r.error(at, "expected a pattern of 1..1000 characters");
                        continue;
                    }
                    try {
                        allow.add(java.util.regex.Pattern.compile(al.get(i).textValue()));
                    } catch (java.util.regex.PatternSyntaxException e) {
                        r.error(at, "not a regular expression: " + e.getDescription());
                    }
                }
            }
        }
        GuardrailPolicy.Output output = GuardrailPolicy.Output.NONE;
        JsonNode out = n.get("output");
        if (r.isObject(out, path + ".output", false)) {
            r.onlyKnown(out, path + ".output", Set.of("pii", "deny"));
            output = new GuardrailPolicy.Output(pii(r, out.get("pii"), path + ".output.pii"), deny(r, out.get("deny"), path + ".output.deny"));
        }
        Map<String, Long> caps = new java.util.TreeMap<>();
        JsonNode mp = n.get("maxPromptTokens");
        if (r.isObject(mp, path + ".maxPromptTokens", false)) {
            mp.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("*") && !e.getKey().matches("[A-Za-z0-9._:/-]{1,128}")) {
                    r.error(path + ".maxPromptTokens", "'" + e.getKey() + "' (expected a model name or *)");
                } else if (!e.getValue().canConvertToLong() || e.getValue().asLong() < 1 || e.getValue().asLong() > 10_000_000) {
                    r.error(path + ".maxPromptTokens." + e.getKey(), "expected a whole number of tokens, 1..10000000");
                } else {
                    caps.put(e.getKey(), e.getValue().asLong());
                }
            });
        }
        return new GuardrailPolicy(pii(r, n.get("pii"), path + ".pii"), deny(r, n.get("deny"), path + ".deny"), caps, output, allow,
                moderation(r, n.get("moderation"), path + ".moderation", models));
    }

    /** {@code moderation: {model, timeoutMs [2000], onFailure: block|allow [block], categories: [..], shadow}} (absent: none). */
    private static GuardrailPolicy.Moderation moderation(ConfigReader r, JsonNode m, String path, Set<String> models) {
        if (!r.isObject(m, path, false)) {
            return GuardrailPolicy.Moderation.NONE;
        }
        r.onlyKnown(m, path, Set.of("model", "timeoutMs", "onFailure", "categories", "shadow"));
        String model = r.string(m, path, "model", null, true);
        if (model != null && models != null && !models.contains(model)) {
            r.error(path + ".model", "unknown model '" + model + "'");
        }
        long timeoutMs = r.longValue(m, path, "timeoutMs", GuardrailPolicy.Moderation.DEFAULT_TIMEOUT_MS, 50, 30_000);
        String onFailure = r.string(m, path, "onFailure", "block", false);
        if (!onFailure.equals("block") && !onFailure.equals("allow")) {
            r.error(path + ".onFailure", "'" + onFailure + "' (expected: block, closed, or allow, open)");
        }
        Set<String> categories = new java.util.TreeSet<>();
        JsonNode c = m.get("categories");
        if (c != null) {
            if (!c.isArray() || c.size() > 50) {
                r.error(path + ".categories", "expected a list of at most 50 category names");
            } else {
                c.forEach(v -> {
                    if (!v.isTextual() || !v.textValue().matches("[a-z0-9/_-]{1,64}")) {
                        r.error(path + ".categories", "'" + v.asText() + "' (expected a category name such as violence or self-harm)");
                    } else {
                        categories.add(v.textValue());
                    }
                });
            }
        }
        return model == null ? GuardrailPolicy.Moderation.NONE
                : new GuardrailPolicy.Moderation(model, timeoutMs, onFailure.equals("allow"), categories, m.path("shadow").asBoolean(false));
    }

    private static Map<PiiKind, GuardrailPolicy.Rule> pii(ConfigReader r, JsonNode p, String path) {
        Map<PiiKind, GuardrailPolicy.Rule> pii = new java.util.EnumMap<>(PiiKind.class);
        if (r.isObject(p, path, false)) {
            p.fields().forEachRemaining(e -> {
                String at = path + "." + e.getKey();
                PiiKind kind = PiiKind.of(e.getKey());
                if (kind == null) {
                    r.error(at, "unknown kind (expected: email, phone, card, iban, ssn, ip, secret)");
                    return;
                }
                JsonNode v = e.getValue();
                String action = v.isTextual() ? v.textValue() : v.path("action").asText("");
                if (v.isObject()) {
                    r.onlyKnown(v, at, Set.of("action", "shadow"));
                }
                GuardrailPolicy.Action a = switch (action) {
                    case "block" -> GuardrailPolicy.Action.BLOCK;
                    case "redact" -> GuardrailPolicy.Action.REDACT;
                    case "log" -> GuardrailPolicy.Action.LOG;
                    default -> null;
                };
                if (a == null) {
                    r.error(at, "'" + action + "' (expected: block, redact or log)");
                    return;
                }
                pii.put(kind, new GuardrailPolicy.Rule(a, v.isObject() && v.path("shadow").asBoolean(false)));
            });
        }
        return pii;
    }

    private static List<GuardrailPolicy.DenyRule> deny(ConfigReader r, JsonNode d, String path) {
        List<GuardrailPolicy.DenyRule> deny = new ArrayList<>();
        if (d != null) {
            if (!d.isArray()) {
                r.error(path, "expected a list of {id, pattern, shadow}");
            } else {
                for (int i = 0; i < d.size(); i++) {
                    String at = path + "[" + i + "]";
                    JsonNode rule = d.get(i);
                    if (!r.isObject(rule, at, true)) {
                        continue;
                    }
                    r.onlyKnown(rule, at, Set.of("id", "pattern", "shadow"));
                    String id = r.string(rule, at, "id", null, true);
                    String pattern = r.string(rule, at, "pattern", null, true);
                    if (id != null && !Ids.isName(id)) {
                        r.error(at + ".id", "'" + id + "' (expected: 1..64 of [a-z0-9-])");
                    }
                    if (pattern == null || id == null) {
                        continue;
                    }
                    if (pattern.length() > 1000) {
                        r.error(at + ".pattern", "longer than 1000 characters");
                        continue;
                    }
                    try {
                        deny.add(new GuardrailPolicy.DenyRule(id, java.util.regex.Pattern.compile(pattern),
                                rule.path("shadow").asBoolean(false)));
                    } catch (java.util.regex.PatternSyntaxException e) {
                        r.error(at + ".pattern", "not a regular expression: " + e.getDescription());
                    }
                }
            }
        }
        return deny;
    }

    /** The stored form of a policy: {@code {pii: {<kind>: {action, shadow}}, deny: [{id, pattern, shadow}]}}. */
    static ObjectNode write(GuardrailPolicy policy) {
        ObjectNode out = MAPPER.createObjectNode();
        ObjectNode pii = out.putObject("pii");
        policy.pii().forEach((k, r) -> pii.putObject(k.id()).put("action", r.action().id()).put("shadow", r.shadow()));
        var deny = out.putArray("deny");
        policy.deny().forEach(d -> deny.addObject().put("id", d.id()).put("pattern", d.pattern().pattern()).put("shadow", d.shadow()));
        var allow = out.putArray("allow");
        policy.allow().forEach(a -> allow.add(a.pattern()));
        ObjectNode caps = out.putObject("maxPromptTokens");
        policy.maxPromptTokens().forEach(caps::put);
        GuardrailPolicy.Moderation mod = policy.moderation();
        if (mod.on()) {
            ObjectNode m = out.putObject("moderation").put("model", mod.model()).put("timeoutMs", mod.timeoutMs())
                    .put("onFailure", mod.failOpen() ? "allow" : "block").put("shadow", mod.shadow());
            var cats = m.putArray("categories");
            mod.categories().stream().sorted().forEach(cats::add);
        }
        if (policy.output().any()) {
            ObjectNode o = out.putObject("output");
            ObjectNode opii = o.putObject("pii");
            policy.output().pii().forEach((k, r) -> opii.putObject(k.id()).put("action", r.action().id()).put("shadow", r.shadow()));
            var odeny = o.putArray("deny");
            policy.output().deny().forEach(d -> odeny.addObject().put("id", d.id()).put("pattern", d.pattern().pattern())
                    .put("shadow", d.shadow()));
        }
        return out;
    }
}
