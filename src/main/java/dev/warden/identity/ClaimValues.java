package dev.warden.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.warden.exchange.AuthContext;
import java.util.Date;
import java.util.List;
import java.util.Set;

/** Reading claims of verified tokens the way every Warden check reads them. */
public final class ClaimValues {
    private ClaimValues() {
    }

    /** A claim's values: a JSON array of strings, or one space-separated string. */
    public static List<String> strings(Object v) {
        if (v instanceof List<?> list) {
            return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        if (v instanceof String s && !s.isBlank()) {
            return List.of(s.strip().split("\\s+"));
        }
        return List.of();
    }

    /** How the token's user signed in: its {@code amr}, {@code acr} and {@code auth_time}. */
    public static AuthContext signIn(JWTClaimsSet claims) {
        Object authTime = claims.getClaim("auth_time");
        long at = authTime instanceof Date d ? d.getTime() / 1000 : authTime instanceof Number n ? n.longValue() : 0;
        return new AuthContext("jwt", Set.copyOf(strings(claims.getClaim("amr"))),
                claims.getClaim("acr") instanceof String acr ? acr : null, at);
    }
}
