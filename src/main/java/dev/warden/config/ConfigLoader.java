package dev.warden.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.crypto.KeyHasher;
import dev.warden.crypto.PemCertificates;
import dev.warden.egress.Egress;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code warden.yaml} into a {@link WardenConfig}: every field typed and range-checked,
 * every cross-reference resolved, every error reported with its path, and the load failed as a
 * whole if there is any. Values are taken literally: nothing is interpolated or evaluated.
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
        WardenConfig config = read(r, root, baseDir);
        if (!r.errors().isEmpty()) {
            throw new ConfigException(r.errors());
        }
        return config;
    }

    private static WardenConfig read(ConfigReader r, JsonNode root, Path baseDir) {
        r.onlyKnown(root, "", Set.of("listeners", "dataDir", "limits", "timeouts", "config", "store", "limiter", "cache", "egress", "metrics", "admin", "alerts", "exchange", "telemetry", "stages",
                "jobs", "models", "pools", "tiers", "tenants"));

        JsonNode listeners = root.get("listeners");
        ListenerConfig data = new ListenerConfig("127.0.0.1", 8080);
        ListenerConfig admin = new ListenerConfig("127.0.0.1", 9090);
        if (r.isObject(listeners, "listeners", false)) {
            r.onlyKnown(listeners, "listeners", Set.of("data", "admin"));
            data = listener(r, listeners.get("data"), "listeners.data", data, baseDir);
            admin = listener(r, listeners.get("admin"), "listeners.admin", admin, baseDir);
            if (admin.tls() != null) {
                r.error("listeners.admin.tls", "not supported: keep the admin listener on a private address (loopback or an internal network)");
            }
            if (data.port() != 0 && data.port() == admin.port() && data.host().equals(admin.host())) {
                r.error("listeners.admin.port", admin.port() + " (expected: not the data port; the admin plane never shares it)");
            }
        }

        Path dataDir = Path.of(r.string(root, "", "dataDir", "data", false));

        // Where Warden may connect for a tenant (its IdP): closed unless the operator opens it.
        Set<Integer> ownPorts = new HashSet<>();
        for (ListenerConfig l : List.of(data, admin)) {
            if (l.port() != 0) {
                ownPorts.add(l.port());
            }
        }
        Egress egress = new Egress(false, false, ownPorts);
        JsonNode egressNode = root.get("egress");
        if (r.isObject(egressNode, "egress", false)) {
            r.onlyKnown(egressNode, "egress", Set.of("allowLoopback", "allowPrivate"));
            egress = new Egress(r.bool(egressNode, "egress", "allowLoopback", false), r.bool(egressNode, "egress", "allowPrivate", false), ownPorts);
        }

        Limits limits = limits(r, root.get("limits"));
        Timeouts timeouts = timeouts(r, root.get("timeouts"));

        int watch = 1000;
        JsonNode cfg = root.get("config");
        if (r.isObject(cfg, "config", false)) {
            r.onlyKnown(cfg, "config", Set.of("watchIntervalMs"));
            watch = r.integer(cfg, "config", "watchIntervalMs", 1000, 0, 3_600_000);
        }

        StoreSettings store = StoreSettings.DEFAULTS;
        JsonNode storeNode = root.get("store");
        if (r.isObject(storeNode, "store", false)) {
            r.onlyKnown(storeNode, "store", Set.of("url", "refreshMs"));
            String url = r.string(storeNode, "store", "url", null, false);
            if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql://")) {
                r.error("store.url", "(expected: jdbc:sqlite:FILE or jdbc:postgresql://HOST[:PORT]/DB)");
            }
            store = new StoreSettings(url, r.integer(storeNode, "store", "refreshMs", 1000, 100, 60_000));
        }

        LimiterSettings limiter = LimiterSettings.DEFAULTS;
        JsonNode limiterNode = root.get("limiter");
        if (r.isObject(limiterNode, "limiter", false)) {
            r.onlyKnown(limiterNode, "limiter", Set.of("store", "redis", "namespace", "holdTtlSeconds", "timeoutMs"));
            String kind = storeKind(r, limiterNode, "limiter");
            String redisUrl = redisUrl(r, limiterNode, "limiter", LimiterSettings.DEFAULTS.redisUrl());
            String namespace = namespace(r, limiterNode, "limiter", "w");
            limiter = new LimiterSettings(kind, redisUrl, namespace, r.integer(limiterNode, "limiter", "holdTtlSeconds", 60, 3, 86_400),
                    r.integer(limiterNode, "limiter", "timeoutMs", 250, 10, 10_000));
        }

        CacheStoreSettings cacheStore = CacheStoreSettings.LOCAL;
        JsonNode cacheNode = root.get("cache");
        if (r.isObject(cacheNode, "cache", false)) {
            r.onlyKnown(cacheNode, "cache", Set.of("store", "redis", "namespace"));
            // the limiter's Redis and namespace unless named
            cacheStore = new CacheStoreSettings(storeKind(r, cacheNode, "cache").equals("redis"),
                    redisUrl(r, cacheNode, "cache", limiter.redisUrl()), namespace(r, cacheNode, "cache", limiter.namespace()));
        }

        int maxTenantLabels = 1000;
        JsonNode metricsNode = root.get("metrics");
        if (r.isObject(metricsNode, "metrics", false)) {
            r.onlyKnown(metricsNode, "metrics", Set.of("maxTenantLabels"));
            maxTenantLabels = r.integer(metricsNode, "metrics", "maxTenantLabels", 1000, 1, 100_000);
        }

        AdminIdpConfig adminIdp = null;
        JsonNode adminNode = root.get("admin");
        if (r.isObject(adminNode, "admin", false)) {
            r.onlyKnown(adminNode, "admin", Set.of("idp"));
            JsonNode idp = adminNode.get("idp");
            if (r.isObject(idp, "admin.idp", true)) {
                adminIdp = adminIdp(r, idp, baseDir);
            }
        }

        AlertSettings alerts = AlertSettings.DEFAULTS;
        JsonNode alertsNode = root.get("alerts");
        if (r.isObject(alertsNode, "alerts", false)) {
            r.onlyKnown(alertsNode, "alerts", Set.of("intervalMs", "webhooks", "anomalyFactor", "anomalyMinMicros"));
            List<String> hooks = new ArrayList<>();
            JsonNode hooksNode = alertsNode.get("webhooks");
            if (hooksNode != null && !hooksNode.isArray()) {
                r.error("alerts.webhooks", "(expected: a list of URLs)");
            } else if (hooksNode != null) {
                for (int i = 0; i < hooksNode.size(); i++) {
                    String u = hooksNode.get(i).asText("");
                    if (!Egress.OPERATOR.allows(u)) {
                        r.error("alerts.webhooks[" + i + "]", "'" + u + "' (expected: an https URL, or http to a loopback host)");
                    }
                    hooks.add(u);
                }
            }
            int factor = r.integer(alertsNode, "alerts", "anomalyFactor", 3, 1, 1000);
            alerts = new AlertSettings(r.integer(alertsNode, "alerts", "intervalMs", 15_000, 1000, 3_600_000), hooks,
                    factor, r.integer(alertsNode, "alerts", "anomalyMinMicros", 1_000_000, 0, Integer.MAX_VALUE));
        }

        TelemetrySettings telemetry = TelemetrySettings.DEFAULTS;
        JsonNode telNode = root.get("telemetry");
        if (r.isObject(telNode, "telemetry", false)) {
            r.onlyKnown(telNode, "telemetry", Set.of("tracing", "otlpEndpoint", "sampleRatioPercent", "serviceName", "trustClientTrace", "accessLog"));
            String endpoint = r.string(telNode, "telemetry", "otlpEndpoint", TelemetrySettings.DEFAULTS.otlpEndpoint(), false);
            if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
                r.error("telemetry.otlpEndpoint", "'" + endpoint + "' (expected: the OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces)");
            }
            telemetry = new TelemetrySettings(r.bool(telNode, "telemetry", "tracing", false), endpoint,
                    r.integer(telNode, "telemetry", "sampleRatioPercent", 100, 0, 100) / 100.0,
                    r.string(telNode, "telemetry", "serviceName", "warden", false), r.bool(telNode, "telemetry", "trustClientTrace", false),
                    r.bool(telNode, "telemetry", "accessLog", true));
        }

        Map<String, ExchangeClient> exchangeClients = new LinkedHashMap<>();
        JsonNode exchangeNode = root.get("exchange");
        if (r.isObject(exchangeNode, "exchange", false)) {
            r.onlyKnown(exchangeNode, "exchange", Set.of("clients"));
            r.entries(exchangeNode, "exchange", "clients", false, (id, node, path) -> {
                r.onlyKnown(node, path, Set.of("secretHash", "certificate", "from", "to"));
                if (!id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                    r.error(path, "client id '" + id + "' (expected: 1..63 of [a-z0-9-])");
                }
                String hash = r.string(node, path, "secretHash", null, false);
                if (hash != null && !KeyHasher.isHashText(hash)) {
                    r.error(path + ".secretHash", "(expected: hmac-sha256:<hex>, e.g. the hash line of `./warden keys new`)");
                }
                TenantAuth.MtlsPolicy certificate = null;
                String subject = null;
                JsonNode cert = node.get("certificate");
                if (r.isObject(cert, path + ".certificate", false)) {
                    r.onlyKnown(cert, path + ".certificate", Set.of("caFile", "identityFrom", "subject"));
                    String caFile = r.string(cert, path + ".certificate", "caFile", null, true);
                    String identityFrom = r.string(cert, path + ".certificate", "identityFrom", "san-uri", false);
                    subject = r.string(cert, path + ".certificate", "subject", null, true);
                    if (!Set.of("san-uri", "san-dns", "san-email", "subject-cn").contains(identityFrom)) {
                        r.error(path + ".certificate.identityFrom", "'" + identityFrom + "' (expected: san-uri, san-dns, san-email or subject-cn)");
                    }
                    if (caFile != null) {
                        certificate = clientCa(r, path + ".certificate.caFile",
                                baseDir == null ? Path.of(caFile) : baseDir.resolve(caFile), identityFrom);
                    }
                }
                if (hash == null && cert == null) {
                    r.error(path, "a credential is required (expected: secretHash, certificate, or both)");
                }
                List<String> from = stringList(r, node, path + ".from");
                List<String> to = stringList(r, node, path + ".to");
                exchangeClients.put(id, new ExchangeClient(id, hash == null ? "" : hash, new LinkedHashSet<>(from), new LinkedHashSet<>(to),
                        certificate, subject));
            });
        }

        JobSettings jobs = JobSettings.DEFAULTS;
        JsonNode jobsNode = root.get("jobs");
        if (r.isObject(jobsNode, "jobs", false)) {
            r.onlyKnown(jobsNode, "jobs", Set.of("renewalUrl", "tokenLifetimeSeconds", "renewEveryMs", "maxActivePerTenant"));
            String renewalUrl = r.string(jobsNode, "jobs", "renewalUrl", null, false);
            if (renewalUrl != null && !Egress.OPERATOR.allows(renewalUrl)) { // handed to workers; Warden never calls it
                r.error("jobs.renewalUrl", "'" + renewalUrl + "' (expected: an https URL, or http to a loopback host)");
            }
            int lifetime = r.integer(jobsNode, "jobs", "tokenLifetimeSeconds", 300, 2, 3600);
            long every = r.integer(jobsNode, "jobs", "renewEveryMs", Math.min(60_000, (lifetime - 1) * 1000), 100, 3_600_000);
            if (every > (lifetime - 1) * 1000L) {
                r.error("jobs.renewEveryMs", every + " (expected: at most (tokenLifetimeSeconds - 1) * 1000 = " + (lifetime - 1) * 1000
                        + ", so a worker renews before its token expires)");
                every = (lifetime - 1) * 1000L;
            }
            jobs = new JobSettings(renewalUrl, lifetime, every, r.integer(jobsNode, "jobs", "maxActivePerTenant", 50, 1, 100_000));
        }

        Map<String, StageSwitch> stages = new HashMap<>();
        r.entries(root, "", "stages", false, (name, node, path) -> {
            if (!Set.of("authorize").contains(name)) {
                r.error(path, "no switches for this stage (expected: authorize; identity, routing and forwarding are always on)");
                return;
            }
            r.onlyKnown(node, path, Set.of("enabled", "enforced"));
            stages.put(name, new StageSwitch(r.bool(node, path, "enabled", true), r.bool(node, path, "enforced", true)));
        });

        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        Set<String> regionsServed = new LinkedHashSet<>();
        r.entries(root, "", "pools", true, (name, node, path) -> {
            if (!Ids.isName(name)) {
                r.error(path, "invalid pool name (expected: 1..64 of [a-z0-9-])");
            }
            r.onlyKnown(node, path, Set.of("upstreams", "serviceTokens", "jobsPath", "capacity", "circuitBreaker", "healthCheck", "retries"));
            List<UpstreamConfig> ups = new ArrayList<>();
            r.elements(node, path, "upstreams", true, el -> {
                r.onlyKnown(el.node(), el.path(), Set.of("url", "region", "weight"));
                String url = r.string(el.node(), el.path(), "url", null, true);
                int weight = r.integer(el.node(), el.path(), "weight", 1, 1, 1000);
                String region = r.string(el.node(), el.path(), "region", null, true);
                if (region != null && !Ids.isRegion(region)) {
                    r.error(el.path() + ".region", "'" + region + "' (expected: 1..32 of [a-z0-9-])");
                    region = null;
                }
                UpstreamConfig up = url == null ? null : upstream(r, url, region, weight, el.path() + ".url");
                if (up != null && region != null) {
                    ups.add(up);
                    regionsServed.add(region);
                }
            });
            if (ups.isEmpty() && node.has("upstreams")) {
                r.error(path + ".upstreams", "empty (expected: at least one upstream)");
            }
            String jobsPath = r.string(node, path, "jobsPath", null, false);
            if (jobsPath != null && (!jobsPath.startsWith("/") || !jobsPath.matches("[A-Za-z0-9._~/-]+") || jobsPath.contains("..")
                    || jobsPath.endsWith("/"))) {
                r.error(path + ".jobsPath", "'" + jobsPath + "' (expected: an absolute path of [A-Za-z0-9._~/-], e.g. /v1/jobs)");
            }
            JsonNode tokensNode = node.get("serviceTokens");
            boolean perRequest = tokensNode != null && tokensNode.isTextual() && tokensNode.textValue().equals("per-request");
            boolean tokens = perRequest || (tokensNode != null && tokensNode.isBoolean() && tokensNode.booleanValue());
            if (tokensNode != null && !tokensNode.isBoolean() && !perRequest) {
                r.error(path + ".serviceTokens", tokensNode.asText() + " (expected: true, false or per-request)");
            }
            PoolConfig.Capacity capacity = null;
            JsonNode cn = node.get("capacity");
            if (r.isObject(cn, path + ".capacity", false)) {
                String cp = path + ".capacity";
                r.onlyKnown(cn, cp, Set.of("seats", "seatTokens", "maxQueuePerTenant", "queueTimeoutMs", "batchSharePercent"));
                if (!cn.has("seats")) {
                    r.error(cp + ".seats", "required (the pool's capacity in concurrent requests' worth)");
                }
                capacity = new PoolConfig.Capacity(r.integer(cn, cp, "seats", 1, 1, 1_000_000), r.integer(cn, cp, "seatTokens", 4096, 1, 10_000_000),
                        r.integer(cn, cp, "maxQueuePerTenant", 100, 1, 100_000), r.integer(cn, cp, "queueTimeoutMs", 5_000, 10, 600_000),
                        r.integer(cn, cp, "batchSharePercent", 10, 0, 100));
            }
            pools.put(name, new PoolConfig(name, ups, tokens, perRequest, jobsPath, capacity, resilience(r, node, path)));
        });

        Map<String, ModelConfig> models = new LinkedHashMap<>();
        r.entries(root, "", "models", true, (name, node, path) -> {
            if (!Ids.isModelName(name)) {
                r.error(path, "invalid model name (expected: 1..128 of [A-Za-z0-9._:/-], starting alphanumeric)");
            }
            r.onlyKnown(node, path, Set.of("pool", "upstreamName", "encoding", "defaultMaxTokens", "maxOutputTokens",
                    "maxInputTokens", "price", "computeWeight", "predictPath"));
            String pool = r.string(node, path, "pool", null, true);
            if (pool != null && !pools.containsKey(pool)) {
                r.error(path + ".pool", "unknown pool '" + pool + "' (expected one of: " + String.join(", ", pools.keySet()) + ")");
            }
            String upstreamName = r.string(node, path, "upstreamName", name, false);
            if (upstreamName != null && !Ids.isModelName(upstreamName)) {
                r.error(path + ".upstreamName", "'" + upstreamName + "' (expected: 1..128 of [A-Za-z0-9._:/-], starting alphanumeric)");
            }
            String encoding = r.string(node, path, "encoding", "cl100k_base", false);
            if (encoding != null && !Set.of("cl100k_base", "o200k_base", "p50k_base", "p50k_edit", "r50k_base").contains(encoding)) {
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
            models.put(name, new ModelConfig(name, pool, upstreamName, encoding, dfltOut, maxOut, price, weight, predict, maxIn));
        });

        Map<String, TierConfig> tiers = new LinkedHashMap<>();
        r.entries(root, "", "tiers", true, (name, node, path) -> {
            if (!Ids.isName(name)) {
                r.error(path, "invalid tier name (expected: 1..64 of [a-z0-9-])");
            }
            r.onlyKnown(node, path, Set.of("description", "maxOutputTokens", "maxStreamSeconds", "limits", "cache"));
            RateLimits tierLimits = RateLimits.NONE;
            JsonNode ln = node.get("limits");
            if (r.isObject(ln, path + ".limits", false)) {
                String lp = path + ".limits";
                r.onlyKnown(ln, lp, Set.of("requestsPerMinute", "tokensPerMinute", "perKey", "perUser", "perModel", "dailyTokens",
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
                tierLimits = new RateLimits(rate(r, ln, lp, Set.of("perKey", "perUser", "perModel", "dailyTokens", "monthlyTokens",
                                "burstSeconds", "concurrency", "weight", "pacing", "whenStoreDown", "enforced")),
                        rate(r, ln.get("perKey"), lp + ".perKey", Set.of()), rate(r, ln.get("perUser"), lp + ".perUser", Set.of()), perModel,
                        r.longValue(ln, lp, "dailyTokens", 0, 0, 1_000_000_000_000_000L),
                        r.longValue(ln, lp, "monthlyTokens", 0, 0, 1_000_000_000_000_000L),
                        r.integer(ln, lp, "burstSeconds", 10, 1, 3600), r.integer(ln, lp, "concurrency", 0, 0, 1_000_000),
                        r.integer(ln, lp, "weight", 1, 1, 1000), r.bool(ln, lp, "pacing", false), whenDown.equals("refuse"), r.bool(ln, lp, "enforced", true));
            }
            tiers.put(name, new TierConfig(name, r.string(node, path, "description", "", false),
                    r.integer(node, path, "maxOutputTokens", 0, 0, 10_000_000),
                    r.integer(node, path, "maxStreamSeconds", TierConfig.DEFAULT_MAX_STREAM_SECONDS, 1, 86_400), tierLimits,
                    cacheSettings(r, node.get("cache"), path + ".cache")));
        });

        Map<String, TenantConfig> tenants = TenantsReader.read(r, root, tiers, models, regionsServed);

        exchangeClients.values().forEach(client -> {
            for (String side : List.of("from", "to")) {
                for (String pool : side.equals("from") ? client.from() : client.to()) {
                    if (!pools.containsKey(pool)) {
                        r.error("exchange.clients." + client.id() + "." + side, "unknown pool '" + pool + "' (expected one of: "
                                + String.join(", ", pools.keySet()) + ")");
                    }
                }
            }
        });

        return new WardenConfig(data, admin, dataDir, limits, timeouts, watch, store, limiter, cacheStore, egress, maxTenantLabels, adminIdp, alerts, exchangeClients, telemetry, jobs, stages, models, pools, tiers, tenants);
    }

    private static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
            "ES384", "ES512", "EdDSA", "Ed25519");

    private static AdminIdpConfig adminIdp(ConfigReader r, JsonNode n, Path baseDir) {
        String p = "admin.idp";
        r.onlyKnown(n, p, Set.of("issuer", "audiences", "jwksUrl", "jwksFile", "algorithms", "clockSkewSeconds",
                "maxLifetimeSeconds", "rolesClaim"));
        String issuer = r.string(n, p, "issuer", null, true);
        List<String> audiences = stringList(r, n, p + ".audiences");
        if (audiences.isEmpty()) {
            r.error(p + ".audiences", "(expected: at least one audience)");
        }
        String url = r.string(n, p, "jwksUrl", null, false);
        String file = r.string(n, p, "jwksFile", null, false);
        if ((url == null) == (file == null)) {
            r.error(p, "exactly one of jwksUrl and jwksFile is expected");
        }
        if (url != null && !Egress.OPERATOR.allows(url)) {
            r.error(p + ".jwksUrl", "'" + url + "' (expected: an https URL, or http to a loopback host)");
        }
        List<String> algs = n.has("algorithms") ? stringList(r, n, p + ".algorithms") : List.of("RS256", "ES256");
        for (String a : algs) {
            if (!ASYMMETRIC.contains(a)) {
                r.error(p + ".algorithms", "'" + a + "' (expected asymmetric algorithms only, e.g. RS256, ES256, EdDSA)");
            }
        }
        Path jwksFile = file == null ? null : (baseDir == null ? Path.of(file) : baseDir.resolve(file));
        return new AdminIdpConfig(issuer, audiences, url, jwksFile, algs, r.integer(n, p, "clockSkewSeconds", 30, 0, 60),
                r.integer(n, p, "maxLifetimeSeconds", 3600, 60, 86_400), r.string(n, p, "rolesClaim", "roles", false));
    }

    /** {@code requestsPerMinute} and {@code tokensPerMinute} of one scope of a tier's limits (absent node: no limit). */
    private static RateLimits.Rate rate(ConfigReader r, JsonNode node, String path, Set<String> alsoAllowed) {
        if (node == null || !r.isObject(node, path, false)) {
            return RateLimits.Rate.NONE;
        }
        Set<String> known = new HashSet<>(alsoAllowed);
        known.add("requestsPerMinute");
        known.add("tokensPerMinute");
        r.onlyKnown(node, path, known);
        return new RateLimits.Rate(r.longValue(node, path, "requestsPerMinute", 0, 0, 1_000_000_000L),
                r.longValue(node, path, "tokensPerMinute", 0, 0, 1_000_000_000_000L));
    }

    /** A client CA bundle (PEM, one or more certificates) read from a file, as a certificate policy. */
    private static TenantAuth.MtlsPolicy clientCa(ConfigReader r, String path, Path file, String identityFrom) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            List<X509Certificate> anchors = PemCertificates.parse(pem);
            if (anchors.isEmpty()) {
                r.error(path, "'" + file.getFileName() + "' holds no certificate (expected: PEM CA certificates)");
                return null;
            }
            return new TenantAuth.MtlsPolicy(anchors, pem, identityFrom, "never");
        } catch (IOException e) {
            r.error(path, "'" + file.getFileName() + "' cannot be read (expected: a PEM file, relative to the config file)");
        } catch (CertificateException e) {
            r.error(path, "'" + file.getFileName() + "' is not PEM certificates");
        }
        return null;
    }

    private static List<String> stringList(ConfigReader r, JsonNode parent, String path) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        JsonNode n = parent.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || !n.isArray()) {
            r.error(path, "(expected: a list of strings)");
            return out;
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || e.textValue().isEmpty()) {
                r.error(path, "(expected: a list of non-empty strings)");
                return out;
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** A listener; relative TLS file names resolve against {@code baseDir} (the config file's directory). */
    private static ListenerConfig listener(ConfigReader r, JsonNode n, String path, ListenerConfig dflt, Path baseDir) {
        if (!r.isObject(n, path, false)) {
            return dflt;
        }
        r.onlyKnown(n, path, Set.of("host", "port", "tls"));
        String host = r.string(n, path, "host", dflt.host(), false);
        int port = r.integer(n, path, "port", dflt.port(), 0, 65535);
        TlsConfig tls = null;
        JsonNode t = n.get("tls");
        if (r.isObject(t, path + ".tls", false)) {
            r.onlyKnown(t, path + ".tls", Set.of("certFile", "keyFile", "clientAuth"));
            String cert = r.string(t, path + ".tls", "certFile", null, true);
            String key = r.string(t, path + ".tls", "keyFile", null, true);
            String auth = r.string(t, path + ".tls", "clientAuth", "none", false);
            TlsConfig.ClientAuth clientAuth = switch (auth) {
                case "none" -> TlsConfig.ClientAuth.NONE;
                case "request" -> TlsConfig.ClientAuth.REQUEST;
                case "require" -> TlsConfig.ClientAuth.REQUIRE;
                default -> {
                    r.error(path + ".tls.clientAuth", "'" + auth + "' (expected: none, request or require)");
                    yield TlsConfig.ClientAuth.NONE;
                }
            };
            if (cert != null && key != null) {
                Path certPath = baseDir == null ? Path.of(cert) : baseDir.resolve(cert);
                Path keyPath = baseDir == null ? Path.of(key) : baseDir.resolve(key);
                for (Path f : new Path[] {certPath, keyPath}) {
                    if (!Files.isReadable(f)) {
                        r.error(path + ".tls", f + " is not a readable file");
                    }
                }
                tls = new TlsConfig(certPath, keyPath, clientAuth);
            }
        }
        return new ListenerConfig(host, port, tls);
    }

    private static Limits limits(ConfigReader r, JsonNode n) {
        Limits d = Limits.DEFAULTS;
        if (!r.isObject(n, "limits", false)) {
            return d;
        }
        r.onlyKnown(n, "limits", Set.of("maxBodyBytes", "maxHeaderBytes", "maxUriBytes", "maxJsonDepth", "maxResponseBytes",
                "maxConnections", "maxConnectionsPerSource"));
        return new Limits(
                r.integer(n, "limits", "maxBodyBytes", d.maxBodyBytes(), 1024, 256 * 1024 * 1024),
                r.integer(n, "limits", "maxHeaderBytes", d.maxHeaderBytes(), 1024, 1024 * 1024),
                r.integer(n, "limits", "maxUriBytes", d.maxUriBytes(), 256, 64 * 1024),
                r.integer(n, "limits", "maxJsonDepth", d.maxJsonDepth(), 4, 1000),
                r.integer(n, "limits", "maxResponseBytes", d.maxResponseBytes(), 1024, 1024 * 1024 * 1024),
                r.integer(n, "limits", "maxConnections", d.maxConnections(), 1, 1_000_000),
                r.integer(n, "limits", "maxConnectionsPerSource", d.maxConnectionsPerSource(), 0, 1_000_000));
    }

    private static Timeouts timeouts(ConfigReader r, JsonNode n) {
        Timeouts d = Timeouts.DEFAULTS;
        if (!r.isObject(n, "timeouts", false)) {
            return d;
        }
        r.onlyKnown(n, "timeouts", Set.of("connectMs", "firstByteMs", "idleMs", "clientIdleMs", "drainMs", "headerMs", "bodyMs"));
        return new Timeouts(
                r.integer(n, "timeouts", "connectMs", d.connectMs(), 1, 600_000),
                r.integer(n, "timeouts", "firstByteMs", d.firstByteMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "idleMs", d.idleMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "clientIdleMs", d.clientIdleMs(), 1, 3_600_000),
                r.integer(n, "timeouts", "drainMs", d.drainMs(), 0, 300_000),
                r.integer(n, "timeouts", "headerMs", d.headerMs(), 100, 600_000),
                r.integer(n, "timeouts", "bodyMs", d.bodyMs(), 100, 3_600_000));
    }

    /** {@code <section>.store}: local or redis. */
    private static String storeKind(ConfigReader r, JsonNode n, String section) {
        String kind = r.string(n, section, "store", "local", false);
        if (!kind.equals("local") && !kind.equals("redis")) {
            r.error(section + ".store", kind + " (expected: local or redis)");
        }
        return kind;
    }

    /** {@code <section>.redis}: a redis:// or rediss:// URL. */
    private static String redisUrl(ConfigReader r, JsonNode n, String section, String dflt) {
        String url = r.string(n, section, "redis", dflt, false);
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

    /** A pool's circuit breaker, health check and retries; each part optional. */
    private static Resilience resilience(ConfigReader r, JsonNode pool, String path) {
        Resilience.Breaker breaker = Resilience.Breaker.DEFAULTS;
        JsonNode bn = pool.get("circuitBreaker");
        if (r.isObject(bn, path + ".circuitBreaker", false)) {
            String bp = path + ".circuitBreaker";
            r.onlyKnown(bn, bp, Set.of("failures", "openMs", "maxOpenMs"));
            int open = r.integer(bn, bp, "openMs", breaker.openMs(), 100, 3_600_000);
            breaker = new Resilience.Breaker(r.integer(bn, bp, "failures", breaker.failures(), 1, 1000), open,
                    r.integer(bn, bp, "maxOpenMs", Math.max(open, breaker.maxOpenMs()), open, 3_600_000));
        }
        Resilience.HealthCheck check = null;
        JsonNode hn = pool.get("healthCheck");
        if (r.isObject(hn, path + ".healthCheck", false)) {
            String hp = path + ".healthCheck";
            r.onlyKnown(hn, hp, Set.of("path", "intervalMs", "timeoutMs", "unhealthyAfter", "healthyAfter"));
            String checkPath = r.string(hn, hp, "path", "/health", false);
            if (checkPath != null && (!checkPath.startsWith("/") || !checkPath.matches("[A-Za-z0-9._~/-]+") || checkPath.contains(".."))) {
                r.error(hp + ".path", "'" + checkPath + "' (expected: an absolute path of [A-Za-z0-9._~/-], e.g. /health)");
            }
            int interval = r.integer(hn, hp, "intervalMs", 5_000, 100, 3_600_000);
            check = new Resilience.HealthCheck(checkPath, interval, r.integer(hn, hp, "timeoutMs", Math.min(1_000, interval), 10, interval),
                    r.integer(hn, hp, "unhealthyAfter", 2, 1, 100), r.integer(hn, hp, "healthyAfter", 2, 1, 100));
        }
        Resilience.Retries retries = Resilience.Retries.DEFAULTS;
        JsonNode rn = pool.get("retries");
        if (r.isObject(rn, path + ".retries", false)) {
            String rp = path + ".retries";
            r.onlyKnown(rn, rp, Set.of("maxRetries", "budgetPercent", "minPerSecond"));
            retries = new Resilience.Retries(r.integer(rn, rp, "maxRetries", retries.maxRetries(), 0, 10),
                    r.integer(rn, rp, "budgetPercent", retries.budgetPercent(), 0, 100),
                    r.integer(rn, rp, "minPerSecond", retries.minPerSecond(), 0, 10_000));
        }
        return new Resilience(breaker, check, retries);
    }

    private static UpstreamConfig upstream(ConfigReader r, String url, String region, int weight, String path) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            r.error(path, "'" + url + "' is not a URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            r.error(path, "'" + url + "' (expected: an http:// or https:// URL)");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getHost() == null) {
            r.error(path, "'" + url + "' (expected: scheme://host[:port][/path], no credentials, query or fragment)");
            return null;
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String base = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return new UpstreamConfig(url, scheme, uri.getHost(), port, base, region, weight);
    }
}
