package dev.warden.identity;

import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.crypto.ClientCertificates;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/**
 * A client certificate as the credential (mTLS): it identifies a subject of the tenant whose CA
 * bundle it chains to. If the request names a tenant, that tenant's bundle must accept it; if not,
 * exactly one tenant's must. Roles come from the tenant's bindings of the subject.
 */
final class CertificateAuthenticator {
    Future<Outcome> authenticate(Exchange exchange, List<X509Certificate> chain) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        if (claim != null && claim.tenant() == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated("tenant_unknown"));
        }
        List<String> candidates = claim != null ? List.of(claim.id()) : List.copyOf(snapshot.identities().auth().keySet());
        String tenantId = null;
        String subject = null;
        for (String t : candidates) {
            TenantAuth auth = snapshot.identities().auth(t);
            if (!auth.accepts("mtls") || auth.mtls() == null) {
                continue;
            }
            String s = ClientCertificates.subject(chain, auth.mtls().anchors(), auth.mtls().identityFrom());
            if (s != null) {
                if (tenantId != null) {
                    return Outcome.rejectNow(GatewayError.unauthenticated("cert_ambiguous"));
                }
                tenantId = t;
                subject = s;
            }
        }
        if (tenantId == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated(claim != null ? "cert_not_for_tenant" : "cert_untrusted"));
        }
        return TokenPrincipals.admit(exchange, snapshot, tenantId, subject, List.of(), new AuthContext("mtls", Set.of(), null, 0));
    }
}
