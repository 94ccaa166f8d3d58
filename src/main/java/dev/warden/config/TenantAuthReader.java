package dev.warden.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.crypto.PemCertificates;
import dev.warden.egress.Egress;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a tenant's stored {@code auth} settings into a {@link TenantAuth}, through the same
 * validation the admin API stored them with ({@link TenantSettings}): a row written by an older
 * version or changed behind Warden's back is checked against today's rules. Anything unreadable
 * or invalid makes the tenant accept nothing but its API keys: a broken identity-provider
 * setting fails closed, never open. (Where its URLs may point is checked again when they are called.)
 */
public final class TenantAuthReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TenantAuthReader() {
    }

    public static TenantAuth read(String json) {
        if (json == null) {
            return TenantAuth.API_KEYS_ONLY;
        }
        JsonNode n;
        try {
            ConfigReader check = new ConfigReader();
            n = TenantSettings.validate("auth", MAPPER.readTree(json), check, Egress.OPERATOR);
            if (!check.ok()) {
                return TenantAuth.API_KEYS_ONLY;
            }
        } catch (JsonProcessingException e) {
            return TenantAuth.API_KEYS_ONLY;
        }
        Set<String> schemes = new LinkedHashSet<>(strings(n.path("schemes")));
        TenantAuth.JwtPolicy jwt = null;
        JsonNode j = n.path("jwt");
        if (schemes.contains("jwt")) {
            JsonNode claims = j.path("claims");
            jwt = new TenantAuth.JwtPolicy(j.get("issuer").asText(), strings(j.path("audiences")),
                    j.hasNonNull("jwksUrl") ? j.get("jwksUrl").asText() : null,
                    j.has("jwks") ? j.get("jwks").toString() : null, j.path("discovery").asBoolean(false),
                    strings(j.path("algorithms")), j.path("requiredTyp").asText(), j.path("clockSkewSeconds").asInt(),
                    j.path("maxLifetimeSeconds").asInt(), claims.path("subject").asText(), claims.path("roles").asText(),
                    claims.hasNonNull("tenant") ? claims.get("tenant").asText() : null);
            if (jwt.algorithms().isEmpty()) {
                return TenantAuth.API_KEYS_ONLY;
            }
        }
        TenantAuth.IntrospectionPolicy introspection = null;
        JsonNode in = n.path("introspection");
        if (schemes.contains("introspection")) {
            introspection = new TenantAuth.IntrospectionPolicy(in.get("url").asText(), in.get("clientId").asText(),
                    in.get("clientSecretEnv").asText(), in.path("cacheSeconds").asInt(), in.path("timeoutMs").asInt(),
                    in.path("rolesClaim").asText());
        }
        TenantAuth.MtlsPolicy mtls = null;
        JsonNode m = n.path("mtls");
        if (schemes.contains("mtls")) {
            String pem = m.get("caBundle").asText();
            List<X509Certificate> anchors;
            try {
                anchors = PemCertificates.parse(pem);
            } catch (CertificateException e) {
                return TenantAuth.API_KEYS_ONLY;
            }
            mtls = new TenantAuth.MtlsPolicy(anchors, pem, m.path("identityFrom").asText(), m.path("boundTokens").asText());
        }
        List<TenantAuth.MfaRule> rules = new ArrayList<>();
        for (JsonNode r : n.path("mfa").path("rules")) {
            rules.add(new TenantAuth.MfaRule(Set.copyOf(strings(r.path("operations"))),
                    r.has("amr") ? Set.copyOf(strings(r.path("amr"))) : null,
                    r.hasNonNull("acr") ? r.get("acr").asText() : null, r.path("maxAgeSeconds").asInt(0)));
        }
        return new TenantAuth(schemes, jwt, introspection, mtls, rules);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }
}
