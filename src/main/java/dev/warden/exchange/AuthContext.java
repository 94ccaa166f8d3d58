package dev.warden.exchange;

import java.util.Set;

/**
 * How the principal authenticated, for step-up (MFA) decisions: the credential type, and for a
 * token of the tenant's identity provider its {@code amr}, {@code acr} and {@code auth_time}.
 * API keys and client-credentials tokens carry no human authentication: they never satisfy an
 * MFA rule.
 *
 * @param authTimeSec epoch seconds of the user's authentication, or 0 if unknown
 */
public record AuthContext(String method, Set<String> amr, String acr, long authTimeSec) {
    public static final AuthContext API_KEY = new AuthContext("api_key", Set.of(), null, 0);

    public AuthContext {
        amr = Set.copyOf(amr);
    }

    /** A human signed in (a user token, not a key or a client's own credential). */
    public boolean human() {
        return method.equals("jwt") && !amr.isEmpty();
    }
}
