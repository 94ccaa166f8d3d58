package dev.warden.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import dev.warden.crypto.PemCertificates;
import dev.warden.egress.Egress;
import java.security.cert.CertificateException;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The kinds of per-tenant settings the admin API stores, each read by the same
 * {@link ConfigReader} as {@code warden.yaml} (so as strictly, with the same messages) and
 * normalised (defaults filled in) before it is stored; a stored document is read back through
 * here too ({@link TenantAuthReader}):
 * <ul>
 *   <li>{@code auth}: which schemes the tenant's credentials use, its IdP, introspection, mTLS and
 *       MFA policy (enforced by the identity stages);</li>
 *   <li>{@code budgets}: spending budgets per period with soft (alert) and hard thresholds (alerts
 *       and forecasts now; reservations by the Admit stage);</li>
 *   <li>{@code overrides}: per-tenant limits that replace the tier's (the Admit stage);</li>
 *   <li>{@code logging}: the tenant's opt-in to payload logging (sealed, in the control store) and its retention;</li>
 *   <li>{@code guardrails}: the tenant's own guardrails on prompts, in place of its tier's;</li>
 *   <li>{@code fields}: the tenant's own field permissions, in place of its tier's.</li>
 * </ul>
 */
public final class TenantSettings {
    public static final Set<String> KINDS = Set.of("auth", "budgets", "overrides", "logging", "guardrails", "fields");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** How long logged payloads are kept when the tenant's {@code logging} settings do not say. */
    public static final long DEFAULT_RETENTION_DAYS = 30;

    private TenantSettings() {
    }

    /** The normalised document, or the errors (in {@code check}). */
    public static ObjectNode validate(String kind, JsonNode body, ConfigReader check, Egress egress) {
        return switch (kind) {
            case "auth" -> auth(body, check, egress);
            case "budgets" -> budgets(body, check);
            case "overrides" -> overrides(body, check);
            case "logging" -> logging(body, check);
            case "guardrails" -> GuardrailsReader.write(GuardrailsReader.read(check, body, "guardrails"));
            case "fields" -> FieldsReader.write(FieldsReader.read(check, body, "fields"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static ObjectNode auth(JsonNode body, ConfigReader c, Egress egress) {
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(body, "auth", Set.of("schemes", "jwt", "introspection", "mtls", "mfa"), true)) {
            return out;
        }
        List<String> schemes = c.strings(body, "auth", "schemes", false, 4, 256);
        if (schemes == null) {
            schemes = List.of("api-key");
        } else if (schemes.isEmpty()) {
            c.error("auth.schemes", "empty (expected at least one of: api-key, jwt, introspection, mtls)");
        }
        for (String s : schemes) {
            if (!TenantAuth.SCHEMES.contains(s)) {
                c.error("auth.schemes", "'" + s + "' (expected: api-key, jwt, introspection, mtls)");
            }
        }
        schemes.forEach(out.putArray("schemes")::add);
        for (String section : List.of("jwt", "introspection", "mtls")) {
            if (body.has(section) && !schemes.contains(section)) {
                c.error("auth." + section, "configured, but '" + section + "' is not in auth.schemes");
            }
            if (!body.has(section) && schemes.contains(section)) {
                c.error("auth." + section, "missing (the scheme is enabled)");
            }
        }
        if (body.has("jwt")) {
            out.set("jwt", jwt(body.get("jwt"), c, egress));
        }
        if (body.has("introspection")) {
            out.set("introspection", introspection(body.get("introspection"), c, egress));
        }
        if (body.has("mtls")) {
            out.set("mtls", mtls(body.get("mtls"), c));
        }
        if (body.has("mfa")) {
            out.set("mfa", mfa(body.get("mfa"), c));
        }
        return out;
    }

    private static ObjectNode jwt(JsonNode n, ConfigReader c, Egress egress) {
        String p = "auth.jwt";
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(n, p, Set.of("issuer", "audiences", "jwksUrl", "jwks", "discovery", "algorithms", "requiredTyp",
                "clockSkewSeconds", "maxLifetimeSeconds", "claims"), true)) {
            return out;
        }
        String issuer = c.text(n, p, "issuer", true, 512);
        if (issuer != null) {
            url(issuer, p + ".issuer", c, egress);
            out.put("issuer", issuer);
        }
        List<String> audiences = c.strings(n, p, "audiences", true, 16, 256);
        if (audiences != null) {
            if (audiences.isEmpty()) {
                c.error(p + ".audiences", "empty (expected at least one audience)");
            }
            audiences.forEach(out.putArray("audiences")::add);
        }
        boolean discovery = c.bool(n, p, "discovery", false);
        String jwksUrl = c.text(n, p, "jwksUrl", false, 1024);
        int sources = (discovery ? 1 : 0) + (jwksUrl != null ? 1 : 0) + (n.has("jwks") ? 1 : 0);
        if (sources != 1) {
            c.error(p, "exactly one key source expected: jwksUrl, jwks (inline keys) or discovery: true");
        }
        out.put("discovery", discovery);
        if (jwksUrl != null) {
            url(jwksUrl, p + ".jwksUrl", c, egress);
            out.put("jwksUrl", jwksUrl);
        }
        if (n.has("jwks")) {
            out.set("jwks", inlineKeys(n.get("jwks"), p + ".jwks", c));
        }
        List<String> algs = c.strings(n, p, "algorithms", false, 8, 256);
        if (algs == null) {
            algs = List.of("RS256", "ES256");
        }
        for (String a : algs) {
            if (!TenantAuth.ASYMMETRIC_ALGORITHMS.contains(a)) {
                c.error(p + ".algorithms", "'" + a + "' (expected asymmetric algorithms only: " + String.join(", ", new TreeSet<>(TenantAuth.ASYMMETRIC_ALGORITHMS)) + ")");
            }
        }
        algs.forEach(out.putArray("algorithms")::add);
        // RFC 9068: access tokens say so (typ at+jwt); an ID token or any other JWT is not one.
        out.put("requiredTyp", orDefault(c.text(n, p, "requiredTyp", false, 64), "at+jwt"));
        out.put("clockSkewSeconds", c.longValue(n, p, "clockSkewSeconds", 30, 0, 60, false));
        out.put("maxLifetimeSeconds", c.longValue(n, p, "maxLifetimeSeconds", 3600, 60, 86_400, false));
        ObjectNode claims = out.putObject("claims");
        JsonNode cl = n.get("claims");
        if (c.object(cl, p + ".claims", Set.of("subject", "roles", "tenant"), false)) {
            claims.put("subject", orDefault(c.text(cl, p + ".claims", "subject", false, 128), "sub"));
            claims.put("roles", orDefault(c.text(cl, p + ".claims", "roles", false, 128), "roles"));
            String tenant = c.text(cl, p + ".claims", "tenant", false, 128);
            if (tenant != null) {
                claims.put("tenant", tenant);
            }
        } else {
            claims.put("subject", "sub").put("roles", "roles");
        }
        return out;
    }

    /** Inline keys: a JWK set of public, asymmetric keys, each with a kid. */
    private static JsonNode inlineKeys(JsonNode n, String p, ConfigReader c) {
        try {
            JWKSet set = JWKSet.parse(n.toString());
            if (set.getKeys().isEmpty() || set.getKeys().size() > 32) {
                c.error(p, "expected 1..32 keys");
            }
            Set<String> kids = new HashSet<>();
            for (JWK k : set.getKeys()) {
                if (k.isPrivate()) {
                    c.error(p, "a private key was sent: only public keys belong here (rotate that key now)");
                }
                if (k.getKeyType() == KeyType.OCT) {
                    c.error(p, "a symmetric (oct) key: only asymmetric keys are accepted");
                }
                if (k.getKeyID() == null || !kids.add(k.getKeyID())) {
                    c.error(p, "every key needs its own kid");
                }
            }
            return MAPPER.readTree(set.toPublicJWKSet().toString(false));
        } catch (ParseException | JsonProcessingException e) {
            c.error(p, "not a JWK set (expected {\"keys\": [...]})");
            return MAPPER.createObjectNode();
        }
    }

    private static ObjectNode introspection(JsonNode n, ConfigReader c, Egress egress) {
        String p = "auth.introspection";
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(n, p, Set.of("url", "clientId", "clientSecretEnv", "cacheSeconds", "timeoutMs", "rolesClaim"), true)) {
            return out;
        }
        String url = c.text(n, p, "url", true, 1024);
        if (url != null) {
            url(url, p + ".url", c, egress);
            out.put("url", url);
        }
        String clientId = c.text(n, p, "clientId", true, 256);
        if (clientId != null) {
            out.put("clientId", clientId);
        }
        // The secret itself is never sent to or stored by the admin API: only the name of the
        // environment variable that holds it on each replica.
        String env = c.text(n, p, "clientSecretEnv", true, 128);
        if (env != null && !env.matches("[A-Z_][A-Z0-9_]*")) {
            c.error(p + ".clientSecretEnv", "'" + env + "' (expected an environment variable name, [A-Z_][A-Z0-9_]*)");
        }
        if (env != null) {
            out.put("clientSecretEnv", env);
        }
        out.put("cacheSeconds", c.longValue(n, p, "cacheSeconds", 60, 0, 300, false));
        out.put("timeoutMs", c.longValue(n, p, "timeoutMs", 2000, 100, 10_000, false));
        out.put("rolesClaim", orDefault(c.text(n, p, "rolesClaim", false, 128), "roles"));
        return out;
    }

    private static ObjectNode mtls(JsonNode n, ConfigReader c) {
        String p = "auth.mtls";
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(n, p, Set.of("caBundle", "identityFrom", "boundTokens"), true)) {
            return out;
        }
        String pem = c.text(n, p, "caBundle", true, 12_000);
        if (pem != null) {
            try {
                if (PemCertificates.parse(pem).isEmpty()) {
                    c.error(p + ".caBundle", "no certificate found (expected PEM)");
                }
            } catch (CertificateException e) {
                c.error(p + ".caBundle", "not a PEM certificate bundle");
            }
            out.put("caBundle", pem);
        }
        out.put("identityFrom", c.oneOf(n, p, "identityFrom", TenantAuth.IDENTITY_SOURCES, "san-uri"));
        out.put("boundTokens", c.oneOf(n, p, "boundTokens", Set.of("when-present", "required"), "when-present"));
        return out;
    }

    private static ObjectNode mfa(JsonNode n, ConfigReader c) {
        String p = "auth.mfa";
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(n, p, Set.of("rules"), true)) {
            return out;
        }
        JsonNode rules = n.get("rules");
        if (rules == null || !rules.isArray() || rules.isEmpty() || rules.size() > 16) {
            c.error(p + ".rules", "expected a list of 1..16 rules");
            return out;
        }
        ArrayNode list = out.putArray("rules");
        for (int i = 0; i < rules.size(); i++) {
            String rp = p + ".rules[" + i + "]";
            JsonNode r = rules.get(i);
            if (!c.object(r, rp, Set.of("operations", "amr", "acr", "maxAgeSeconds"), true)) {
                continue;
            }
            ObjectNode o = list.addObject();
            List<String> ops = c.strings(r, rp, "operations", true, 8, 256);
            if (ops != null) {
                for (String op : ops) {
                    if (!TenantAuth.OPERATION_CLASSES.contains(op)) {
                        c.error(rp + ".operations", "'" + op + "' (expected: " + String.join(", ", new TreeSet<>(TenantAuth.OPERATION_CLASSES)) + ")");
                    }
                }
                ops.forEach(o.putArray("operations")::add);
            }
            List<String> amr = c.strings(r, rp, "amr", false, 16, 256);
            String acr = c.text(r, rp, "acr", false, 256);
            if (acr != null && !acr.matches("[A-Za-z0-9:._/#-]+")) {
                c.error(rp + ".acr", "expected a URI or a level name ([A-Za-z0-9:._/#-])");
                acr = null;
            }
            if (amr == null && acr == null) {
                c.error(rp, "needs amr (any of these methods) or acr (this level), or both");
            }
            if (amr != null) {
                amr.forEach(o.putArray("amr")::add);
            }
            if (acr != null) {
                o.put("acr", acr);
            }
            long maxAge = c.longValue(r, rp, "maxAgeSeconds", 0, 0, 86_400, false);
            if (maxAge > 0) {
                o.put("maxAgeSeconds", maxAge);
            }
        }
        return out;
    }

    private static ObjectNode budgets(JsonNode body, ConfigReader c) {
        ObjectNode out = MAPPER.createObjectNode();
        if (!c.object(body, "", Set.of("budgets"), true)) {
            return out;
        }
        JsonNode list = body.get("budgets");
        if (list == null || !list.isArray() || list.size() > 2) {
            c.error("budgets", "expected a list of at most 2 budgets (one per period: day, month)");
            return out;
        }
        ArrayNode arr = out.putArray("budgets");
        Set<String> periods = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String p = "budgets[" + i + "]";
            JsonNode b = list.get(i);
            if (!c.object(b, p, Set.of("period", "limitMicros", "softPercent", "hard", "enforced"), true)) {
                continue;
            }
            String period = c.oneOf(b, p, "period", Set.of("day", "month"), null);
            if (period != null && !periods.add(period)) {
                c.error(p + ".period", "'" + period + "' appears twice");
            }
            arr.addObject().put("period", period)
                    .put("limitMicros", c.longValue(b, p, "limitMicros", 0, 1, 1_000_000_000_000_000L, true))
                    .put("softPercent", c.longValue(b, p, "softPercent", 80, 1, 100, false))
                    .put("hard", c.bool(b, p, "hard", true))
                    .put("enforced", c.bool(b, p, "enforced", true));
        }
        return out;
    }

    private static ObjectNode overrides(JsonNode body, ConfigReader c) {
        ObjectNode out = MAPPER.createObjectNode();
        Set<String> limits = Set.of("requestsPerMinute", "tokensPerMinute", "computeUnitsPerMinute", "concurrency", "maxOutputTokens",
                "dailyTokens", "monthlyTokens");
        Set<String> known = new HashSet<>(limits);
        known.add("enforced");
        known.add("fallbacks");
        if (!c.object(body, "", known, true)) {
            return out;
        }
        for (String f : new TreeSet<>(limits)) {
            if (body.has(f)) {
                out.put(f, c.longValue(body, "overrides", f, 0, 0, 1_000_000_000_000L, true));
            }
        }
        if (body.has("fallbacks")) {
            out.set("fallbacks", fallbacks(body.get("fallbacks"), c));
        }
        if (out.isEmpty()) {
            c.error("overrides", "nothing given (expected any of: " + String.join(", ", new TreeSet<>(limits)) + ", fallbacks)");
        }
        out.put("enforced", c.bool(body, "overrides", "enforced", true));
        return out;
    }

    /** {@code {"model": ["fallback", ...]}}: 1..4 other models each, in the order to try them. */
    private static ObjectNode fallbacks(JsonNode n, ConfigReader c) {
        ObjectNode out = MAPPER.createObjectNode();
        if (n == null || !n.isObject() || n.size() > 64) {
            c.error("overrides.fallbacks", "expected an object of at most 64 models, each with a list of fallback models");
            return out;
        }
        n.fields().forEachRemaining(e -> {
            String p = "overrides.fallbacks." + e.getKey();
            JsonNode list = e.getValue();
            if (!Ids.isModelName(e.getKey()) || !list.isArray() || list.isEmpty() || list.size() > 4) {
                c.error(p, "expected a model name with a list of 1..4 fallback models");
                return;
            }
            Set<String> seen = new HashSet<>();
            for (JsonNode f : list) {
                if (!f.isTextual() || !Ids.isModelName(f.textValue()) || f.textValue().equals(e.getKey())
                        || !seen.add(f.textValue())) {
                    c.error(p, "expected 1..4 other models, each once");
                    return;
                }
            }
            out.set(e.getKey(), list);
        });
        return out;
    }

    private static ObjectNode logging(JsonNode body, ConfigReader c) {
        ObjectNode out = MAPPER.createObjectNode();
        if (c.object(body, "", Set.of("payloads", "retentionDays"), true)) {
            out.put("payloads", c.bool(body, "logging", "payloads", false));
            out.put("retentionDays", c.longValue(body, "logging", "retentionDays", DEFAULT_RETENTION_DAYS, 1, 3650, false));
        }
        return out;
    }

    private static void url(String s, String p, ConfigReader c, Egress egress) {
        if (!egress.allows(s)) {
            c.error(p, "'" + s + "' (expected an https URL without credentials or fragment, to an address the gateway's egress setting allows"
                    + (egress.allowLoopback() ? "; http only to loopback" : "; not loopback") + (egress.allowPrivate() ? "" : ", not a private network") + ")");
        }
    }

    private static String orDefault(String s, String d) {
        return s == null ? d : s;
    }
}
