package dev.warden.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An opaque token of the tenant the request names, checked by that tenant's RFC 7662
 * introspection endpoint (and only ever sent there). Introspection answers carry no proof of a
 * human sign-in, so such a principal never satisfies an MFA step-up.
 */
final class OpaqueTokenAuthenticator {
    private final Introspector introspector;

    OpaqueTokenAuthenticator(Introspector introspector) {
        this.introspector = introspector;
    }

    /** The outcome of introspecting {@code token}; null if the request names no tenant that introspects (the key path then refuses it). */
    Future<Outcome> authenticate(Exchange exchange, String token) {
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        if (claim == null || claim.tenant() == null || token.length() > 4096) {
            return null;
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        TenantAuth auth = snapshot.identities().auth(claim.id());
        if (!auth.accepts("introspection") || auth.introspection() == null) {
            return null;
        }
        TenantAuth.IntrospectionPolicy policy = auth.introspection();
        return introspector.introspect(claim.id(), policy, token).transform(ar -> {
            if (ar.failed()) {
                return Outcome.rejectNow(GatewayError.unauthenticated(ar.cause().getMessage() == null ? "introspection_failed"
                        : ar.cause().getMessage()));
            }
            Introspector.Active active = ar.result();
            JsonNode c = active.claims();
            List<String> roles = new ArrayList<>();
            JsonNode r = c.path(policy.rolesClaim());
            if (r.isArray()) { // an array of strings: the introspector refused any other type
                r.forEach(x -> roles.add(x.textValue()));
            } else if (r.isTextual()) { // the roles claim is scope: OAuth's space-separated string
                roles.addAll(List.of(r.textValue().strip().split("\\s+")));
            }
            return TokenPrincipals.admit(exchange, snapshot, claim.id(), active.subject(), roles,
                    new AuthContext("introspection", Set.of(), null, 0));
        });
    }
}
