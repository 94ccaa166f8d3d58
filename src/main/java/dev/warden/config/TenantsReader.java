package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads the {@code tenants} section (and their keys) of {@code warden.yaml}, collecting errors. */
final class TenantsReader {
    private TenantsReader() {
    }

    static Map<String, TenantConfig> read(ConfigReader r, JsonNode root, Map<String, TierConfig> tiers,
                                          Map<String, ModelConfig> models, Set<String> regionsServed) {
        Map<String, TenantConfig> tenants = new LinkedHashMap<>();
        Set<String> keyIds = new HashSet<>();
        r.entries(root, "", "tenants", false, (id, node, path) -> {
            if (!Ids.isTenantId(id)) {
                r.error(path, "invalid tenant id (expected: 1..63 of [a-z0-9-], starting and ending alphanumeric)");
            }
            r.onlyKnown(node, path, Set.of("tier", "regions", "models", "status", "keys", "fallbacks"));
            String tier = r.string(node, path, "tier", null, true);
            if (tier != null && !tiers.containsKey(tier)) {
                r.error(path + ".tier", "unknown tier '" + tier + "' (expected one of: " + String.join(", ", tiers.keySet()) + ")");
            }
            List<String> regions = r.strings(node, path, "regions", true);
            boolean any = false;
            Set<String> regionSet = new LinkedHashSet<>();
            if (regions != null) {
                if (regions.isEmpty()) {
                    r.error(path + ".regions", "empty (expected: [\"*\"] or at least one region)");
                }
                for (String reg : regions) {
                    if ("*".equals(reg)) {
                        any = true;
                    } else if (!regionsServed.contains(reg)) {
                        r.error(path + ".regions", "unknown region '" + reg + "' (no upstream runs there; known: "
                                + String.join(", ", regionsServed) + ")");
                    } else {
                        regionSet.add(reg);
                    }
                }
                if (any && regions.size() > 1) {
                    r.error(path + ".regions", "'*' must stand alone");
                }
            }
            List<String> tenantModels = r.strings(node, path, "models", true);
            if (tenantModels != null) {
                for (String m : tenantModels) {
                    if (!models.containsKey(m)) {
                        r.error(path + ".models", "unknown model '" + m + "'");
                    }
                }
            }
            String statusText = r.string(node, path, "status", "active", false);
            TenantStatus status = TenantStatus.ACTIVE;
            try {
                status = TenantStatus.valueOf(statusText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                r.error(path + ".status", "'" + statusText + "' (expected: active or suspended)");
            }
            List<KeyConfig> keys = new ArrayList<>();
            List<String> allowedModels = tenantModels == null ? List.of() : tenantModels;
            r.elements(node, path, "keys", false, el -> {
                KeyConfig k = key(r, el, allowedModels);
                if (k != null) {
                    if (!keyIds.add(k.id())) {
                        r.error(el.path() + ".id", "duplicate key id '" + k.id() + "'");
                    } else {
                        keys.add(k);
                    }
                }
            });
            Map<String, List<String>> fallbacks = new LinkedHashMap<>();
            JsonNode fallbackNode = node.get("fallbacks");
            if (r.isObject(fallbackNode, path + ".fallbacks", false)) {
                fallbackNode.fieldNames().forEachRemaining(model -> {
                    String fp = path + ".fallbacks." + model;
                    List<String> chain = r.strings(fallbackNode, path + ".fallbacks", model, true);
                    if (!allowedModels.contains(model)) {
                        r.error(fp, "'" + model + "' is not one of the tenant's models");
                    }
                    if (chain == null) {
                        return;
                    }
                    if (chain.isEmpty() || chain.size() > 4 || chain.contains(model) || new HashSet<>(chain).size() != chain.size()) {
                        r.error(fp, "expected 1..4 other models, each once");
                    }
                    for (String f : chain) {
                        if (!allowedModels.contains(f)) {
                            r.error(fp, "fallback '" + f + "' is not one of the tenant's models");
                        }
                    }
                    fallbacks.put(model, chain);
                });
            }
            tenants.put(id, new TenantConfig(id, tier, any, regionSet, allowedModels, status, keys, fallbacks));
        });

        return tenants;
    }

    private static KeyConfig key(ConfigReader r, ConfigReader.Element el, List<String> tenantModels) {
        JsonNode n = el.node();
        String p = el.path();
        r.onlyKnown(n, p, Set.of("id", "role", "models", "hash", "key", "imported"));
        String hash = r.string(n, p, "hash", null, false);
        String plain = r.string(n, p, "key", null, false);
        String id = r.string(n, p, "id", null, false);
        boolean imported = r.bool(n, p, "imported", false);
        if ((hash == null) == (plain == null)) {
            r.error(p, "exactly one of 'hash' or 'key' is required");
            return null;
        }
        if (plain != null && imported) {
            String problem = ImportedKeys.problem(plain);
            if (problem != null) {
                r.error(p + ".key", problem);
                return null;
            }
        } else if (plain != null) {
            String embedded = ApiKeyFormat.keyId(plain);
            if (embedded == null) {
                r.error(p + ".key", "not a Warden API key (expected: " + ApiKeyFormat.SHAPE
                        + "; a key issued elsewhere needs 'imported: true' and an 'id')");
                return null;
            }
            if (id != null && !id.equals(embedded)) {
                r.error(p + ".id", "'" + id + "' does not match the id inside the key");
                return null;
            }
            id = embedded;
        }
        if (hash != null && !KeyHasher.isHashText(hash)) {
            r.error(p + ".hash", "not a key hash (expected: " + KeyHasher.PREFIX + "<64 hex digits>, from ./warden keys new or keys import)");
            return null;
        }
        if (id == null) {
            r.error(p + ".id", imported ? "missing (an imported key carries no id: name it)" : "missing (required with 'hash')");
            return null;
        }
        if (!ApiKeyFormat.isKeyId(id)) {
            r.error(p + ".id", "'" + id + "' (expected: 4..32 of [a-z0-9])");
            return null;
        }
        String roleText = r.string(n, p, "role", "developer", false);
        Role role = Role.parse(roleText);
        if (role == null) {
            r.error(p + ".role", "'" + roleText + "' (expected one of: developer, viewer, service, tenant-admin)");
            return null;
        }
        List<String> models = r.strings(n, p, "models", false);
        if (models != null) {
            for (String m : models) {
                if (!tenantModels.contains(m)) {
                    r.error(p + ".models", "'" + m + "' is not among the tenant's models");
                }
            }
        }
        return new KeyConfig(id, role, models, hash, plain, imported);
    }

}
