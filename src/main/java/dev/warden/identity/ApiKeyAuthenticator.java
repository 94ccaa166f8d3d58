package dev.warden.identity;

import dev.warden.crypto.ApiKeyFormat;
import dev.warden.config.ApiKeyRecord;
import dev.warden.crypto.KeyHasher;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.problem.ErrorCode;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.GatewayError;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.List;
import dev.warden.crypto.ClientCertificates;

/**
 * Authenticate with an API key from {@code Authorization: Bearer} or {@code X-API-Key}, or with a
 * token of the tenant's own identity provider ({@link TokenAuthenticator}) when the bearer value is
 * a JWT and the tenant accepts them. A tenant may turn API keys off ({@code auth.schemes}).
 *
 * <p>A key issued elsewhere and imported into the config ({@code imported: true}) has no Warden
 * key id; it is found by its keyed hash, before a tenant's introspection would be asked.
 *
 * <p>Every failure (no key, malformed key, unknown key, wrong key, unknown tenant, another
 * tenant's id) gives the same answer, and the same work is done on every path (one keyed hash and
 * one constant-time comparison), so neither the body nor the timing tells a caller whether a
 * tenant or a key id exists. The reason is kept for the security log only.
 */
public final class ApiKeyAuthenticator implements Stage {
    static final String API_KEY_HEADER = "X-API-Key";
    private static final String DUMMY_KEY = "wdn_dummy0000000_" + "A".repeat(43);

    private final KeyHasher hasher;
    private final byte[] dummyHash;
    private final KeyUsage usage;
    private final TokenAuthenticator tokens;
    private final Introspector introspector;
    private final ClientCertificates certificates = new ClientCertificates();

    public ApiKeyAuthenticator(KeyHasher hasher) {
        this(hasher, null, null, null);
    }

    /**
     * @param usage records each key's last use (may be null: not recorded)
     * @param keys  this event loop's cache of tenants' token-signing keys (null: tokens are not accepted)
     * @param introspector this event loop's RFC 7662 client (null: opaque tokens are not accepted)
     */
    public ApiKeyAuthenticator(KeyHasher hasher, KeyUsage usage, JwksCache keys, Introspector introspector) {
        this.hasher = hasher;
        this.dummyHash = hasher.hash("not-a-key-" + System.nanoTime());
        this.usage = usage;
        this.tokens = keys == null ? null : new TokenAuthenticator(keys);
        this.introspector = introspector;
    }

    @Override
    public String name() {
        return "authenticate";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        MultiMap headers = exchange.request().headers();
        String key = presentedKey(headers);
        if (tokens != null && key != null && TokenAuthenticator.looksLikeJwt(key) && headers.get(API_KEY_HEADER) == null) {
            // a token of the tenant's own identity provider (bound to the client certificate, if it says so)
            return tokens.authenticate(exchange, key, certificates.chain(exchange.request().http()));
        }
        if (key == null && !headers.contains("Authorization") && !headers.contains(API_KEY_HEADER)) {
            List<java.security.cert.X509Certificate> chain = certificates.chain(exchange.request().http());
            if (!chain.isEmpty()) {
                return byCertificate(exchange, chain); // mTLS: the client certificate is the credential
            }
        }
        String keyId = key == null ? null : ApiKeyFormat.keyId(key);
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        boolean foreign = key != null && keyId == null && !key.startsWith(ApiKeyFormat.PREFIX);
        // a key issued elsewhere and imported: no id to look it up by, so by its keyed hash
        ApiKeyRecord imported = foreign && snapshot.hasImportedKeys() ? snapshot.importedKey(hasher.hash(key)) : null;
        if (imported == null && foreign && introspector != null) {
            // (a mistyped Warden key is never sent to a tenant's introspection endpoint)
            Future<Outcome> opaque = opaque(exchange, key);
            if (opaque != null) {
                return opaque;
            }
        }
        ApiKeyRecord record = imported != null ? imported : keyId == null ? null : snapshot.key(keyId);

        // Always one hash and one comparison, whatever is missing (an imported key was matched by its hash).
        boolean keyValid = imported != null
                || hasher.matches(keyId == null ? DUMMY_KEY : key, record == null ? dummyHash : record.hash()) && record != null;

        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        long now = System.currentTimeMillis();
        String reason = null;
        if (key == null) {
            reason = headers.contains("Authorization") || headers.contains(API_KEY_HEADER) ? "credential_malformed" : "credential_missing";
        } else if (!keyValid) {
            reason = "key_invalid";
        } else if (!record.validAt(now)) {
            reason = "key_expired"; // expired, or past the end of a rotation's overlap
        } else if (claim != null && claim.tenant() == null) {
            reason = "tenant_unknown";
        } else if (claim != null && !claim.id().equals(record.tenantId())) {
            reason = "tenant_mismatch";
        }
        if (reason != null) {
            return Outcome.rejectNow(GatewayError.unauthenticated(reason));
        }
        Tenant tenant = snapshot.tenant(record.tenantId());
        if (tenant == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated("key_tenant_gone"));
        }
        if (!snapshot.identities().auth(tenant.id()).accepts("api-key")) {
            return Outcome.rejectNow(GatewayError.unauthenticated("scheme_disabled")); // this tenant turned API keys off
        }
        if (usage != null) {
            usage.used(record.keyId(), now);
        }
        exchange.verifiedTenant(tenant.id());
        exchange.put(RequestContext.TENANT, tenant);
        exchange.put(RequestContext.PRINCIPAL,
                new Principal(tenant.id(), record.keyId(), record.role(), record.models(), "api_key"));
        exchange.put(RequestContext.AUTH, AuthContext.API_KEY);
        if (tenant.status() == TenantStatus.SUSPENDED) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.TENANT_SUSPENDED,
                    "This tenant is suspended.", "tenant_suspended"));
        }
        return Outcome.continueNow();
    }

    /**
     * A client certificate as the credential: it identifies a subject of the tenant whose CA bundle
     * it chains to. If the request names a tenant, that tenant's bundle must accept it; if not,
     * exactly one tenant's must. Roles come from the tenant's bindings of the subject.
     */
    private Future<Outcome> byCertificate(Exchange exchange, List<java.security.cert.X509Certificate> chain) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        if (claim != null && claim.tenant() == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated("tenant_unknown"));
        }
        java.util.List<String> candidates = claim != null ? java.util.List.of(claim.id())
                : java.util.List.copyOf(snapshot.identities().auth().keySet());
        String tenantId = null;
        String subject = null;
        for (String t : candidates) {
            dev.warden.config.TenantAuth auth = snapshot.identities().auth(t);
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
        return TokenPrincipals.admit(exchange, snapshot, tenantId, subject, java.util.List.of(),
                new AuthContext("mtls", java.util.Set.of(), null, 0));
    }

    /**
     * An opaque token of the tenant the request names, if that tenant introspects (RFC 7662); null
     * otherwise (the key path then refuses it like any unknown credential). The token is only ever
     * sent to that tenant's own endpoint.
     */
    private Future<Outcome> opaque(Exchange exchange, String token) {
        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        if (claim == null || claim.tenant() == null || token.length() > 4096) {
            return null;
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        dev.warden.config.TenantAuth auth = snapshot.identities().auth(claim.id());
        if (!auth.accepts("introspection") || auth.introspection() == null) {
            return null;
        }
        var policy = auth.introspection();
        return introspector.introspect(claim.id(), policy, token).transform(ar -> {
            if (ar.failed()) {
                return Outcome.rejectNow(GatewayError.unauthenticated(ar.cause().getMessage() == null ? "introspection_failed"
                        : ar.cause().getMessage()));
            }
            var active = ar.result();
            com.fasterxml.jackson.databind.JsonNode c = active.claims();
            java.util.List<String> roles = new java.util.ArrayList<>();
            com.fasterxml.jackson.databind.JsonNode r = c.path(policy.rolesClaim());
            if (r.isArray()) {
                r.forEach(x -> roles.add(x.asText()));
            } else if (r.isTextual()) {
                roles.addAll(java.util.List.of(r.textValue().strip().split("\\s+")));
            }
            // Introspection answers carry no proof of a human sign-in: never an MFA step-up.
            return TokenPrincipals.admit(exchange, snapshot, claim.id(), active.subject(), roles,
                    new AuthContext("introspection", java.util.Set.of(), null, 0));
        });
    }

    /**
     * The one key the request presents, or null if there is none or it is ambiguous (two
     * Authorization headers, a non-Bearer scheme, or two different keys in the two headers).
     */
    static String presentedKey(MultiMap headers) {
        List<String> auth = headers.getAll("Authorization");
        List<String> apiKey = headers.getAll(API_KEY_HEADER);
        if (auth.size() > 1 || apiKey.size() > 1) {
            return null;
        }
        String fromAuth = null;
        if (auth.size() == 1) {
            String v = auth.get(0);
            if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return null;
            }
            fromAuth = v.substring(7).strip();
            if (fromAuth.isEmpty()) {
                return null;
            }
        }
        String fromHeader = apiKey.size() == 1 ? apiKey.get(0).strip() : null;
        if (fromAuth != null && fromHeader != null && !fromAuth.equals(fromHeader)) {
            return null;
        }
        return fromAuth != null ? fromAuth : fromHeader;
    }
}
