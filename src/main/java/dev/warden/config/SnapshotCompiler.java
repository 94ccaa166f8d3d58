package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.crypto.KeyHasher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a validated config plus the run-time state into a {@link Snapshot}. A run-time tenant
 * that no longer fits the file (a tier, model or region the file dropped) is left out and logged:
 * the control store can never make a valid file fail to load.
 */
public final class SnapshotCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCompiler.class);

    private final KeyHasher hasher;

    public SnapshotCompiler(KeyHasher hasher) {
        this.hasher = hasher;
    }

    public Snapshot compile(long version, WardenConfig config, RuntimeState runtime) throws ConfigException {
        List<String> errors = new ArrayList<>();
        Map<String, Tenant> tenants = new LinkedHashMap<>();
        Map<String, ApiKeyRecord> keys = new HashMap<>();
        Map<ByteBuffer, ApiKeyRecord> imported = new HashMap<>();
        Map<String, Map<String, RouteTable>> routes = new HashMap<>();

        Map<String, String> overrides = runtime.overrideSettings();
        Map<String, String> guardrails = runtime.guardrailSettings();
        Map<String, String> fields = runtime.fieldSettings();
        for (TenantConfig tc : config.tenants().values()) {
            addTenant(tc, config, new Own(overrides.get(tc.id()), guardrails.get(tc.id()), fields.get(tc.id())), tenants, routes);
            for (KeyConfig k : tc.keys()) {
                byte[] hash = k.hash() != null ? KeyHasher.parseHashText(k.hash()) : hasher.hash(k.key());
                Set<String> models = k.models() == null ? null : Set.copyOf(k.models());
                ApiKeyRecord record = new ApiKeyRecord(k.id(), tc.id(), k.role(), models, hash, "config");
                keys.put(k.id(), record); // ids are unique across the file (TenantsReader)
                if (k.imported() && imported.putIfAbsent(ByteBuffer.wrap(hash), record) != null) {
                    errors.add("tenants." + tc.id() + ".keys." + k.id() + ": the same imported key is declared twice");
                }
            }
        }
        for (TenantConfig tc : runtime.tenants()) {
            if (tenants.containsKey(tc.id())) {
                continue; // the file owns this tenant
            }
            String problem = unfit(tc, config);
            if (problem != null) {
                LOG.warn("stored tenant {} left out of config version {}: {}", tc.id(), version, problem);
                continue;
            }
            addTenant(tc, config, new Own(overrides.get(tc.id()), guardrails.get(tc.id()), fields.get(tc.id())), tenants, routes);
        }
        for (ApiKeyRecord k : runtime.keys()) {
            if (!tenants.containsKey(k.tenantId())) {
                continue; // its tenant is gone: the key stops working with it
            }
            ApiKeyRecord existing = keys.putIfAbsent(k.keyId(), k);
            if (existing != null && "config".equals(existing.source())) {
                errors.add("keys." + k.keyId() + ": a run-time key id collides with a key declared in the file");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new Snapshot(version, Instant.now(), config, Collections.unmodifiableMap(tenants), Map.copyOf(keys),
                config.models(), Map.copyOf(routes), identities(tenants, runtime), Map.copyOf(imported));
    }

    /** Each known tenant's auth policy, the issuer index, and the tenant role bindings. */
    private static Snapshot.Identities identities(Map<String, Tenant> tenants, RuntimeState runtime) {
        Map<String, TenantAuth> auth = new HashMap<>();
        Map<String, List<String>> byIssuer = new HashMap<>();
        runtime.authSettings().forEach((tenant, json) -> {
            if (!tenants.containsKey(tenant)) {
                return;
            }
            TenantAuth a = TenantAuthReader.read(json);
            auth.put(tenant, a);
            if (a.jwt() != null) {
                byIssuer.computeIfAbsent(a.jwt().issuer(), i -> new ArrayList<>()).add(tenant);
            }
        });
        Map<String, Map<String, Set<Role>>> bindings = new HashMap<>();
        runtime.roleBindings().forEach((tenant, bySubject) -> {
            if (tenants.containsKey(tenant)) {
                Map<String, Set<Role>> copy = new HashMap<>();
                bySubject.forEach((subject, roles) -> copy.put(subject, Set.copyOf(roles)));
                bindings.put(tenant, Map.copyOf(copy));
            }
        });
        Map<String, List<String>> issuers = new HashMap<>();
        byIssuer.forEach((k, v) -> issuers.put(k, List.copyOf(v)));
        return new Snapshot.Identities(Map.copyOf(auth), Map.copyOf(issuers), Map.copyOf(bindings));
    }

    /** A tenant's own settings (JSON, each null when it has none) that replace parts of its tier. */
    private record Own(String overrides, String guardrails, String fields) {
    }

    private static void addTenant(TenantConfig tc, WardenConfig config, Own own, Map<String, Tenant> tenants,
                                  Map<String, Map<String, RouteTable>> routes) {
        TierConfig tier = config.tiers().get(tc.tier());
        JsonNode overrides = own.overrides() == null ? null : readJson(own.overrides());
        if (overrides != null && overrides.path("maxOutputTokens").canConvertToInt() && overrides.has("maxOutputTokens")) {
            // the tenant's own output cap in place of its tier's (0: the model's cap)
            tier = tier.withMaxOutputTokens(overrides.path("maxOutputTokens").intValue());
        }
        if (own.guardrails() != null) {
            // the tenant's own guardrails in place of its tier's (the tier is the template)
            tier = tier.withGuardrails(GuardrailsReader.read(new ConfigReader(), readJson(own.guardrails()), "guardrails"));
        }
        if (own.fields() != null) {
            tier = tier.withFields(FieldsReader.read(new ConfigReader(), readJson(own.fields()), "fields"));
        }
        Tenant t = new Tenant(tc.id(), tier, tc.anyRegion(), tc.regions(), new LinkedHashSet<>(tc.models()), tc.status(),
                tier.limits().with(overrides));
        tenants.put(t.id(), t);
        Map<String, RouteTable> byModel = new HashMap<>();
        for (String m : tc.models()) {
            ModelConfig model = config.models().get(m);
            PoolConfig pool = config.pools().get(model.pool());
            byModel.put(m, new RouteTable(model, pool.upstreams().stream().filter(u -> t.allowsRegion(u.region())).toList()));
        }
        Map<String, List<String>> fallbacks = fallbacks(tc, overrides);
        Map<String, RouteTable> withChains = new HashMap<>(byModel);
        fallbacks.forEach((m, chain) -> {
            if (byModel.containsKey(m)) {
                withChains.put(m, byModel.get(m).withFallbacks(chain.stream().filter(byModel::containsKey).map(byModel::get).toList()));
            }
        });
        routes.put(t.id(), Map.copyOf(withChains));
    }

    /** The tenant's fallback chains: its stored overrides' {@code fallbacks} if set, else its file's. */
    private static Map<String, List<String>> fallbacks(TenantConfig tc, JsonNode overrides) {
        if (overrides == null || !overrides.path("fallbacks").isObject()) {
            return tc.fallbacks();
        }
        Map<String, List<String>> out = new HashMap<>();
        overrides.path("fallbacks").fields().forEachRemaining(e -> {
            List<String> chain = new ArrayList<>();
            e.getValue().forEach(n -> chain.add(n.asText()));
            out.put(e.getKey(), chain);
        });
        return out;
    }

    private static JsonNode readJson(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            return null; // stored settings were validated on the way in; unreadable ones change nothing
        }
    }

    /** Why a run-time tenant does not fit the config, or null if it does. */
    private static String unfit(TenantConfig tc, WardenConfig config) {
        if (!Ids.isTenantId(tc.id())) {
            return "invalid id";
        }
        if (!config.tiers().containsKey(tc.tier())) {
            return "unknown tier '" + tc.tier() + "'";
        }
        for (String m : tc.models()) {
            if (!config.models().containsKey(m)) {
                return "unknown model '" + m + "'";
            }
        }
        Set<String> served = config.servedRegions();
        for (String r : tc.regions()) {
            if (!served.contains(r)) {
                return "unknown region '" + r + "'";
            }
        }
        return null;
    }
}
