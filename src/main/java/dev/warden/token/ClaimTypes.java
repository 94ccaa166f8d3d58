package dev.warden.token;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * The one JSON type of every claim Warden reads from a token or an introspection answer (RFC 7519
 * section 4.1, RFC 7662 section 2.2, RFC 8693 section 4, RFC 8705 section 3.1, OpenID Connect Core
 * section 2): a claim present with any other type (an array claim given as one string, a time as a
 * string or a fraction, an object where a string is meant, null) makes the token invalid. Nothing
 * is widened: a parser that turned {@code "exp": "9999999999"} into a time, or {@code "roles":
 * "admin"} into a list, would let an identity provider's bug or a forger's probe say more than the
 * token means. Claims Warden does not read are not looked at.
 */
public final class ClaimTypes {
    /** A claim's JSON type. */
    public enum Type {
        STRING, STRINGS, TIME, OBJECT, BOOLEAN,
        /** {@code aud} only: RFC 7519 section 4.1.3 allows one string or an array of strings. */
        AUDIENCE
    }

    /** A NumericDate Warden accepts: whole seconds, from 1970 to the year 9999. */
    private static final long MAX_TIME = 253_402_300_799L;

    /** The registered and well-known claims Warden reads, wherever they appear. */
    private static final Map<String, Type> READ = Map.ofEntries(
            Map.entry("iss", Type.STRING), Map.entry("sub", Type.STRING), Map.entry("aud", Type.AUDIENCE),
            Map.entry("exp", Type.TIME), Map.entry("nbf", Type.TIME), Map.entry("iat", Type.TIME), Map.entry("auth_time", Type.TIME),
            Map.entry("jti", Type.STRING), Map.entry("amr", Type.STRINGS), Map.entry("acr", Type.STRING), Map.entry("cnf", Type.OBJECT),
            Map.entry("act", Type.OBJECT), Map.entry("scope", Type.STRING), Map.entry("client_id", Type.STRING),
            Map.entry("username", Type.STRING), Map.entry("token_type", Type.STRING), Map.entry("active", Type.BOOLEAN));

    private ClaimTypes() {
    }

    /**
     * The claims a tenant's policy maps, with their types: the subject and the tenant a string, the
     * roles an array of strings (or, when the roles claim is OAuth's {@code scope}, its
     * space-separated string).
     */
    public static Map<String, Type> mapped(String subjectClaim, String rolesClaim, String tenantClaim) {
        Map<String, Type> m = new HashMap<>();
        if (rolesClaim != null) {
            m.put(rolesClaim, rolesClaim.equals("scope") ? Type.STRING : Type.STRINGS);
        }
        if (subjectClaim != null) {
            m.put(subjectClaim, Type.STRING);
        }
        if (tenantClaim != null) {
            m.put(tenantClaim, Type.STRING);
        }
        return m;
    }

    /** The name of the first claim Warden reads that {@code claims} holds with another type (see {@link #mapped}), or null. */
    public static String mistyped(JsonNode claims, Map<String, Type> mapped) {
        if (claims == null || !claims.isObject()) {
            return "claims";
        }
        for (var e : claims.properties()) {
            Type t = mapped.get(e.getKey());
            if (t == null) {
                t = READ.get(e.getKey());
            }
            if (t != null && !is(t, e.getValue())) {
                return e.getKey();
            }
        }
        JsonNode cnf = claims.get("cnf"); // RFC 8705: the certificate's thumbprint, a base64url string
        if (cnf != null && cnf.has("x5t#S256") && !cnf.get("x5t#S256").isTextual()) {
            return "cnf";
        }
        JsonNode act = claims.get("act"); // RFC 8693: the actor, identified by its own sub
        if (act != null && act.has("sub") && !act.get("sub").isTextual()) {
            return "act";
        }
        return null;
    }

    /** The first of {@code mapped} alone that {@code claims} holds with another type, or null (the registered ones checked already). */
    public static String mistypedMapped(JsonNode claims, Map<String, Type> mapped) {
        for (var e : mapped.entrySet()) {
            JsonNode v = claims.get(e.getKey());
            if (v != null && !is(e.getValue(), v)) {
                return e.getKey();
            }
        }
        return null;
    }

    static boolean is(Type type, JsonNode v) {
        return switch (type) {
            case STRING -> v.isTextual();
            case STRINGS -> strings(v);
            case AUDIENCE -> v.isTextual() || strings(v);
            case TIME -> v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0 && v.longValue() <= MAX_TIME;
            case OBJECT -> v.isObject();
            case BOOLEAN -> v.isBoolean();
        };
    }

    private static boolean strings(JsonNode v) {
        if (!v.isArray()) {
            return false;
        }
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
