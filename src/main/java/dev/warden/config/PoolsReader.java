package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Reads {@code pools}: each pool's upstreams (URL, region, weight), capacity, service tokens and resilience. */
final class PoolsReader {
    /** The pools, and every region some upstream runs in (the regions a tenant may name). */
    record Pools(Map<String, PoolConfig> pools, Set<String> regionsServed) {
    }

    /** The Messages API version Warden speaks to Anthropic unless a pool names another. */
    static final String ANTHROPIC_VERSION = "2023-06-01";

    private PoolsReader() {
    }

    /** {@code env}: the process environment (a credential's {@code secretEnv} must be set in it). */
    static Pools read(ConfigReader r, JsonNode root, Path baseDir, Function<String, String> env) {
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        Set<String> regionsServed = new LinkedHashSet<>();
        r.entries(root, "", "pools", true, (name, node, path) -> {
            if (!Ids.isName(name)) {
                r.error(path, "invalid pool name (expected: 1..64 of [a-z0-9-])");
            }
            r.onlyKnown(node, path, Set.of("upstreams", "serviceTokens", "jobsPath", "jobCapacity", "capacity", "circuitBreaker", "healthCheck", "retries",
                    "provider", "apiVersion", "credential"));
            ProviderKind provider = provider(r, node, path);
            String apiVersion = apiVersion(r, node, path, provider);
            CredentialReader credentials = new CredentialReader(r, baseDir, env);
            CredentialReader.Choice poolCredential = credentials.read(node.get("credential"), path + ".credential", provider, true);
            List<UpstreamConfig> ups = new ArrayList<>();
            r.elements(node, path, "upstreams", true, el -> {
                r.onlyKnown(el.node(), el.path(), Set.of("url", "region", "weight", "credential"));
                CredentialReader.Choice own = credentials.read(el.node().get("credential"), el.path() + ".credential", provider, false);
                UpstreamCredential credential = own.credential().present() ? own.credential() : poolCredential.credential();
                if (!credential.present() && provider != ProviderKind.OPENAI && poolCredential.serviceToken() == null) {
                    r.error(el.path(), "no credential (expected: a credential on the pool or this upstream: "
                            + provider.id() + " servers take the platform's key)");
                }
                String url = r.string(el.node(), el.path(), "url", null, true);
                int weight = r.integer(el.node(), el.path(), "weight", 1, 1, 1000);
                String region = r.string(el.node(), el.path(), "region", null, true);
                if (region != null && !Ids.isRegion(region)) {
                    r.error(el.path() + ".region", "'" + region + "' (expected: 1..32 of [a-z0-9-])");
                    region = null;
                }
                UpstreamConfig up = url == null ? null : upstream(r, url, region, weight, el.path() + ".url", provider, apiVersion, credential);
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
            if (poolCredential.serviceToken() != null) {
                if (tokensNode != null) {
                    r.error(path + ".serviceTokens", "set twice (expected: either serviceTokens or credential.type: service-token)");
                }
                tokens = true;
                perRequest = poolCredential.serviceToken();
            }
            if (tokens && ups.stream().anyMatch(u -> u.credential().bearer())) {
                r.error(path + ".credential", "a bearer credential beside service tokens (expected: one Authorization header; "
                        + "put the platform's key in another header)");
            }
            if (jobsPath != null && provider != ProviderKind.OPENAI) {
                r.error(path + ".jobsPath", "not offered by " + provider.id() + " servers (expected: only on openai pools)");
            }
            JobCapacity jobs = jobCapacity(r, node, path);
            if (jobsPath != null && jobs == null) {
                r.error(path + ".jobCapacity", "missing (a pool that runs jobs declares the GPUs they share and their price: "
                        + "{ gpus, pricePerGpuHour })");
            } else if (jobsPath == null && jobs != null) {
                r.error(path + ".jobCapacity", "without jobsPath (expected: the pool's job service beside its capacity)");
            }
            pools.put(name, new PoolConfig(name, ups, tokens, perRequest, jobsPath, jobs, capacity(r, node, path),
                    resilience(r, node, path), provider));
        });
        return new Pools(pools, regionsServed);
    }

    /** What a pool lends to jobs (null: absent). */
    private static JobCapacity jobCapacity(ConfigReader r, JsonNode pool, String path) {
        JsonNode n = pool.get("jobCapacity");
        String p = path + ".jobCapacity";
        if (!r.isObject(n, p, false)) {
            return null;
        }
        r.onlyKnown(n, p, Set.of("gpus", "pricePerGpuHour", "maxHoursPerJob"));
        if (!n.has("gpus")) {
            r.error(p + ".gpus", "missing (the GPUs of the pool that jobs share)");
        }
        if (!n.has("pricePerGpuHour")) {
            r.error(p + ".pricePerGpuHour", "missing (micro-units per GPU-hour; 0 if jobs are free)");
        }
        int gpus = r.integer(n, p, "gpus", 1, 1, 1_000_000);
        double hours = r.decimal(n, p, "maxHoursPerJob", 168, 0.001, 8760);
        return new JobCapacity(gpus, r.longValue(n, p, "pricePerGpuHour", 0, 0, 1_000_000_000_000L),
                Math.round(hours * JobCapacity.GPU_HOUR_MS));
    }

    /** A pool's capacity in seats (null: unbounded, no fair queue). */
    private static PoolConfig.Capacity capacity(ConfigReader r, JsonNode pool, String path) {
        JsonNode cn = pool.get("capacity");
        if (!r.isObject(cn, path + ".capacity", false)) {
            return null;
        }
        String cp = path + ".capacity";
        r.onlyKnown(cn, cp, Set.of("seats", "seatUnits", "seatTokens", "maxQueuePerTenant", "queueTimeoutMs", "batchSharePercent"));
        if (cn.has("seatTokens")) {
            r.error(cp + ".seatTokens", "renamed seatUnits: a seat carries compute units (tokens x the model's computeWeight)");
        }
        if (!cn.has("seats")) {
            r.error(cp + ".seats", "required (the pool's capacity in concurrent requests' worth)");
        }
        return new PoolConfig.Capacity(r.integer(cn, cp, "seats", 1, 1, 1_000_000), r.integer(cn, cp, "seatUnits", 4096, 1, 10_000_000),
                r.integer(cn, cp, "maxQueuePerTenant", 100, 1, 100_000), r.integer(cn, cp, "queueTimeoutMs", 5_000, 10, 600_000),
                r.integer(cn, cp, "batchSharePercent", 10, 0, 100));
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

    private static ProviderKind provider(ConfigReader r, JsonNode pool, String path) {
        String id = r.string(pool, path, "provider", "openai", false);
        ProviderKind kind = ProviderKind.parse(id);
        if (kind == null) {
            r.error(path + ".provider", "'" + id + "' (expected one of: anthropic, azure-openai, openai)");
            return ProviderKind.OPENAI;
        }
        return kind;
    }

    /** Azure's {@code api-version} (required), Anthropic's {@code anthropic-version} (2023-06-01 unless set); none for OpenAI. */
    private static String apiVersion(ConfigReader r, JsonNode pool, String path, ProviderKind provider) {
        String version = r.string(pool, path, "apiVersion", provider == ProviderKind.ANTHROPIC ? ANTHROPIC_VERSION : null, false);
        if (provider == ProviderKind.OPENAI && version != null) {
            r.error(path + ".apiVersion", "only for azure-openai and anthropic pools");
            return null;
        }
        if (provider == ProviderKind.AZURE_OPENAI && version == null) {
            r.error(path + ".apiVersion", "required for azure-openai pools (expected: the api-version to call, e.g. 2024-10-21)");
        }
        if (version != null && !version.matches("[A-Za-z0-9._-]{1,40}")) {
            r.error(path + ".apiVersion", "'" + version + "' (expected: 1..40 of [A-Za-z0-9._-])");
            return null;
        }
        return version;
    }

    private static UpstreamConfig upstream(ConfigReader r, String url, String region, int weight, String path, ProviderKind provider,
                                           String apiVersion, UpstreamCredential credential) {
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
        return new UpstreamConfig(url, scheme, uri.getHost(), port, base, region, weight, provider, apiVersion, credential);
    }
}
