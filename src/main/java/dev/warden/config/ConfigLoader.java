package dev.warden.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.egress.Egress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads {@code warden.yaml} into a {@link WardenConfig}: every field typed and range-checked,
 * every cross-reference resolved, every error reported with its path, and the load failed as a
 * whole if there is any. Values are taken literally: nothing is interpolated or evaluated. Each
 * section has its reader ({@code ListenersReader}, {@code PoolsReader}, {@code TenantsReader}...),
 * all of them reading through one {@link ConfigReader}.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML;

    static {
        YAMLFactory factory = YAMLFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                .build();
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        YAML = new ObjectMapper(factory);
    }

    private ConfigLoader() {
    }

    public static WardenConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getClass().getSimpleName() + ")"));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base);
    }

    /** Parses YAML text; relative paths (the data directory) resolve against {@code baseDir}'s parent project. */
    public static WardenConfig parse(String yaml, Path baseDir) throws ConfigException {
        return parse(yaml, baseDir, System::getenv);
    }

    /** The same, with {@code env} for the process environment (credentials' {@code secretEnv}). */
    public static WardenConfig parse(String yaml, Path baseDir, Function<String, String> env) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
            throw new ConfigException(List.of("(yaml): " + msg));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(List.of("(root): expected a mapping"));
        }
        ConfigReader r = new ConfigReader();
        WardenConfig config = read(r, root, baseDir, env);
        if (!r.errors().isEmpty()) {
            throw new ConfigException(r.errors());
        }
        return config;
    }

    /** Every section, in order: each reader checks its own and records its errors in {@code r}. */
    private static WardenConfig read(ConfigReader r, JsonNode root, Path baseDir, Function<String, String> env) {
        r.onlyKnown(root, "", Set.of("listeners", "dataDir", "limits", "timeouts", "config", "store", "limiter", "cache", "egress",
                "metrics", "admin", "alerts", "exchange", "telemetry", "stages", "jobs", "models", "pools", "tiers", "tenants"));
        ListenersReader.Listeners listeners = ListenersReader.listeners(r, root, baseDir);
        Path dataDir = Path.of(r.string(root, "", "dataDir", "data", false));
        Egress egress = ListenersReader.egress(r, root, listeners);
        Limits limits = LimitsReader.limits(r, root);
        Timeouts timeouts = LimitsReader.timeouts(r, root);
        int watchIntervalMs = OperationsReader.watchIntervalMs(r, root);
        IndirectValues values = new IndirectValues(r, baseDir, env);
        StoreSettings store = StoresReader.store(r, root, values);
        LimiterSettings limiter = StoresReader.limiter(r, root, values);
        CacheStoreSettings cache = StoresReader.cache(r, root, limiter, values);
        int maxTenantLabels = OperationsReader.maxTenantLabels(r, root);
        AdminIdpConfig adminIdp = AdminIdpReader.read(r, root, baseDir);
        AlertSettings alerts = OperationsReader.alerts(r, root, values);
        TelemetrySettings telemetry = OperationsReader.telemetry(r, root, values, env);
        Map<String, ExchangeClient> exchangeClients = ExchangeReader.clients(r, root, baseDir);
        JobSettings jobs = JobsReader.read(r, root);
        Map<String, StageSwitch> stages = OperationsReader.stages(r, root);
        PoolsReader.Pools pools = PoolsReader.read(r, root, baseDir, env);
        Map<String, ModelConfig> models = ModelsReader.read(r, root, pools.pools());
        Map<String, TierConfig> tiers = TiersReader.read(r, root, models);
        Map<String, TenantConfig> tenants = TenantsReader.read(r, root, tiers, models, pools.regionsServed());
        ExchangeReader.checkPools(r, exchangeClients, pools.pools());
        return new WardenConfig(listeners.data(), listeners.admin(), dataDir, limits, timeouts, watchIntervalMs, store, limiter, cache,
                egress, maxTenantLabels, adminIdp, alerts, exchangeClients, telemetry, jobs, stages, models, pools.pools(), tiers, tenants);
    }
}
