package dev.warden.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.crypto.PemCertificates;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a tenant's stored {@code auth} settings (normalised JSON, validated when the admin API
 * stored them) into a {@link TenantAuth}. Anything unreadable makes the tenant accept nothing but
 * its API keys: a broken identity-provider setting fails closed, never open.
 */
public final class TenantAuthReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TenantAuthReader() {
    }

    public static TenantAuth read(String json) {
        if (json == null) {
            return TenantAuth.API_KEYS_ONLY;
        }
        try {
            JsonNode n = MAPPER.readTree(json);
            Set<String> schemes = new LinkedHashSet<>(strings(n.path("schemes")));
            TenantAuth.JwtPolicy jwt = null;
            JsonNode j = n.path("jwt");
            if (schemes.contains("jwt") && j.isObject()) {
                JsonNode claims = j.path("claims");
                jwt = new TenantAuth.JwtPolicy(required(j, "issuer"), strings(j.path("audiences")),
                        j.hasNonNull("jwksUrl") ? j.get("jwksUrl").asText() : null,
                        j.has("jwks") ? j.get("jwks").toString() : null, j.path("discovery").asBoolean(false),
                        strings(j.path("algorithms")), j.hasNonNull("requiredTyp") ? j.get("requiredTyp").asText() : "at+jwt",
                        j.path("clockSkewSeconds").asInt(30), j.path("maxLifetimeSeconds").asInt(3600),
                        claims.path("subject").asText("sub"), claims.path("roles").asText("roles"),
                        claims.hasNonNull("tenant") ? claims.get("tenant").asText() : null);
                if (jwt.audiences().isEmpty() || jwt.algorithms().isEmpty()) {
                    return TenantAuth.API_KEYS_ONLY;
                }
            } else {
                schemes.remove("jwt");
            }
            TenantAuth.IntrospectionPolicy introspection = null;
            JsonNode in = n.path("introspection");
            if (schemes.contains("introspection") && in.isObject()) {
                introspection = new TenantAuth.IntrospectionPolicy(required(in, "url"), required(in, "clientId"),
                        required(in, "clientSecretEnv"), in.path("cacheSeconds").asInt(60), in.path("timeoutMs").asInt(2000),
                        in.path("rolesClaim").asText("roles"));
            } else {
                schemes.remove("introspection");
            }
            TenantAuth.MtlsPolicy mtls = null;
            JsonNode m = n.path("mtls");
            if (schemes.contains("mtls") && m.isObject()) {
                String pem = required(m, "caBundle");
                List<X509Certificate> anchors;
                try {
                    anchors = PemCertificates.parse(pem);
                } catch (CertificateException e) {
                    throw new IllegalArgumentException("caBundle");
                }
                if (anchors.isEmpty()) {
                    throw new IllegalArgumentException("caBundle");
                }
                mtls = new TenantAuth.MtlsPolicy(anchors, pem, m.path("identityFrom").asText("san-uri"),
                        m.path("boundTokens").asText("when-present"));
            } else {
                schemes.remove("mtls");
            }
            List<TenantAuth.MfaRule> rules = new ArrayList<>();
            for (JsonNode r : n.path("mfa").path("rules")) {
                rules.add(new TenantAuth.MfaRule(Set.copyOf(strings(r.path("operations"))),
                        r.has("amr") ? Set.copyOf(strings(r.path("amr"))) : null,
                        r.hasNonNull("acr") ? r.get("acr").asText() : null, r.path("maxAgeSeconds").asInt(0)));
            }
            return new TenantAuth(schemes, jwt, introspection, mtls, rules);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return TenantAuth.API_KEYS_ONLY;
        }
    }

    private static String required(JsonNode n, String field) {
        if (!n.hasNonNull(field) || n.get(field).asText().isEmpty()) {
            throw new IllegalArgumentException(field);
        }
        return n.get(field).asText();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }
}
