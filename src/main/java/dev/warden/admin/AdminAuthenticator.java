package dev.warden.admin;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.config.ApiKeyRecord;
import dev.warden.config.PlatformRole;
import dev.warden.config.Role;
import dev.warden.config.SnapshotHolder;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.identity.ClaimValues;
import dev.warden.identity.JwtVerifier;
import dev.warden.identity.TenantTokenVerifier;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.store.OperatorKey;
import dev.warden.store.RoleBinding;
import dev.warden.store.StoreState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is calling the admin API. In order: the bootstrap admin token (platform admin); an operator
 * key (its platform role); a tenant API key with the {@code tenant-admin} role (that tenant's
 * admin); a JWT of the admin identity provider (roles from its roles claim, platform roles only,
 * plus the role bindings of its subject). A valid credential without an admin role is refused
 * with 403, anything else with 401; both are audited. Header-based method overrides are never
 * read: the method is the method.
 */
public final class AdminAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(AdminAuthenticator.class);

    private final Vertx vertx;
    private final AdminToken token;
    private final SnapshotHolder snapshots;
    private final KeyHasher hasher;
    private final StoreState state;
    private final JwtVerifier jwt;
    private final String rolesClaim;
    private final AuditWriter audit;
    private final String adminIssuer;
    private final TenantTokenVerifier tenantTokens;

    /** {@code state} (operator keys, bindings), {@code jwt} and {@code audit} may be null. */
    public AdminAuthenticator(Vertx vertx, AdminToken token, SnapshotHolder snapshots, KeyHasher hasher, StoreState state,
                       JwtVerifier jwt, String rolesClaim, AuditWriter audit) {
        this(vertx, token, snapshots, hasher, state, jwt, null, rolesClaim, audit, null);
    }

    /**
     * With tenants' own identity providers too: a token whose issuer a tenant trusts (and is not
     * the admin IdP, {@code adminIssuer}) is verified with that tenant's keys by
     * {@code tenantTokens} and may make its subject that tenant's admin, never more.
     * {@code tenantTokens} must only be used from the admin listener's event loop.
     */
    public AdminAuthenticator(Vertx vertx, AdminToken token, SnapshotHolder snapshots, KeyHasher hasher, StoreState state,
                       JwtVerifier jwt, String adminIssuer, String rolesClaim, AuditWriter audit,
                       TenantTokenVerifier tenantTokens) {
        this.adminIssuer = adminIssuer;
        this.tenantTokens = tenantTokens;
        this.vertx = vertx;
        this.token = token;
        this.snapshots = snapshots;
        this.hasher = hasher;
        this.state = state;
        this.jwt = jwt;
        this.rolesClaim = rolesClaim;
        this.audit = audit;
    }

    /** The principal, or null once the refusal has been answered. */
    Future<AdminPrincipal> authenticate(HttpServerRequest req) {
        String auth = req.getHeader("Authorization");
        if (token.accepts(auth)) {
            return Future.succeededFuture(AdminPrincipal.BOOTSTRAP);
        }
        String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        String keyId = bearer == null ? null : ApiKeyFormat.keyId(bearer);
        if (keyId != null) {
            return Future.succeededFuture(byKey(req, bearer, keyId));
        }
        if (bearer != null && tenantTokens != null && TenantTokenVerifier.looksLikeJwt(bearer)
                && isTenantIssued(bearer)) {
            req.pause();
            return tenantTokens.verify(snapshots.current(), bearer, null)
                    .map(v -> byTenantToken(req, v))
                    .otherwise(e -> {
                        LOG.info("tenant token refused at the admin API from {}: {}", source(req),
                                e instanceof TenantTokenVerifier.Refused r ? r.reason() : "token_invalid");
                        refuseUnauthenticated(req);
                        return null;
                    });
        }
        if (bearer != null && jwt != null && bearer.length() < 8192 && bearer.chars().filter(c -> c == '.').count() == 2) {
            req.pause();
            String source = source(req);
            return vertx.executeBlocking(() -> {
                try {
                    return jwt.verify(bearer);
                } catch (JwtVerifier.Invalid e) {
                    LOG.info("admin token refused from {}: {}", source, e.getMessage());
                    return null;
                }
            }, false).map(claims -> {
                if (claims == null) {
                    refuseUnauthenticated(req);
                    return null;
                }
                return byClaims(req, claims);
            }).otherwise(e -> {
                refuseUnauthenticated(req);
                return null;
            });
        }
        refuseUnauthenticated(req);
        return Future.succeededFuture(null);
    }

    private AdminPrincipal byKey(HttpServerRequest req, String key, String keyId) {
        OperatorKey op = state == null ? null : state.operator(keyId);
        if (op != null && hasher.matches(key, KeyHasher.parseHashText(op.hashText()))) {
            return new AdminPrincipal(op.keyId(), op.role() == PlatformRole.PLATFORM_ADMIN
                    ? AdminPrincipal.Kind.PLATFORM_ADMIN : AdminPrincipal.Kind.PLATFORM_AUDITOR, Set.of());
        }
        ApiKeyRecord record = snapshots.current().key(keyId);
        if (record != null && hasher.matches(key, record.hash())) {
            if (record.role() == Role.TENANT_ADMIN) {
                return AdminPrincipal.tenantAdmin(record.keyId(), record.tenantId());
            }
            refuse(req, record.tenantId(), record.keyId(), "forbidden:role_" + record.role().id(),
                    GatewayError.of(ErrorCode.FORBIDDEN, "This key's role may not use the admin API."));
            return null;
        }
        refuseUnauthenticated(req);
        return null;
    }

    /** Issued (by its unverified {@code iss}, only to choose the verifier) by a tenant's IdP rather than the admin IdP. */
    private boolean isTenantIssued(String bearer) {
        try {
            String iss = SignedJWT.parse(bearer).getJWTClaimsSet().getIssuer();
            return iss != null && !iss.equals(adminIssuer) && !snapshots.current().identities().tenantsTrusting(iss).isEmpty();
        } catch (ParseException | ClassCastException e) {
            return false;
        }
    }

    /**
     * A tenant IdP's token: its subject is that tenant's admin if the mapped roles claim or the
     * tenant's role bindings say {@code tenant-admin}. A tenant's IdP can never grant a platform
     * role (a {@code platform-admin} value in its claim is ignored) nor another tenant.
     */
    private AdminPrincipal byTenantToken(HttpServerRequest req, TenantTokenVerifier.Verified v) {
        String sub = v.subject();
        String name = "idp:" + v.tenantId() + ":" + (sub.length() > 100 ? sub.substring(0, 100) : sub);
        boolean admin = v.roles().contains(Role.TENANT_ADMIN.id())
                || snapshots.current().identities().boundRoles(v.tenantId(), sub).contains(Role.TENANT_ADMIN);
        if (!admin) {
            refuse(req, v.tenantId(), name, "forbidden:no_admin_role",
                    GatewayError.of(ErrorCode.FORBIDDEN, "This identity has no admin role."));
            return null;
        }
        return new AdminPrincipal(name, AdminPrincipal.Kind.TENANT_ADMIN, Set.of(v.tenantId()), ClaimValues.signIn(v.claims()));
    }

    private AdminPrincipal byClaims(HttpServerRequest req, JWTClaimsSet claims) {
        String sub = claims.getSubject();
        String name = "jwt:" + (sub.length() > 100 ? sub.substring(0, 100) : sub);
        Set<String> platformRoles = new HashSet<>();
        for (String r : ClaimValues.strings(claims.getClaim(rolesClaim))) {
            if (r.equals("platform-admin") || r.equals("platform-auditor")) {
                platformRoles.add(r);
            }
        }
        Set<String> tenants = new HashSet<>();
        if (state != null) {
            for (RoleBinding b : state.bindings()) {
                if (!b.subject().equals(sub)) {
                    continue;
                }
                if (b.platform()) {
                    platformRoles.add(b.role());
                } else if (b.role().equals(Role.TENANT_ADMIN.id())) {
                    tenants.add(b.scope());
                }
            }
        }
        if (platformRoles.contains("platform-admin")) {
            return new AdminPrincipal(name, AdminPrincipal.Kind.PLATFORM_ADMIN, Set.of());
        }
        if (platformRoles.contains("platform-auditor")) {
            return new AdminPrincipal(name, AdminPrincipal.Kind.PLATFORM_AUDITOR, Set.of());
        }
        if (!tenants.isEmpty()) {
            return new AdminPrincipal(name, AdminPrincipal.Kind.TENANT_ADMIN, tenants, ClaimValues.signIn(claims));
        }
        refuse(req, null, name, "forbidden:no_admin_role",
                GatewayError.of(ErrorCode.FORBIDDEN, "This identity has no admin role."));
        return null;
    }

    void refuse(HttpServerRequest req, String tenant, String principal, String reason, GatewayError error) {
        auditDeny(req, tenant, principal, reason);
        AdminJson.problem(req.response(), error);
    }

    private void refuseUnauthenticated(HttpServerRequest req) {
        auditDeny(req, null, null, "unauthenticated");
        req.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden-admin\"");
        AdminJson.problem(req.response(), GatewayError.of(ErrorCode.UNAUTHENTICATED, "A valid admin credential is required."));
    }

    /** Refuses an authenticated caller (a role or tenant boundary) and records it under {@link AdminPrincipal#auditTenant}. */
    void refuse(HttpServerRequest req, AdminPrincipal principal, GatewayError error) {
        refuse(req, principal.auditTenant(req.path()), principal.name(), reason(error), error);
    }

    void auditDeny(HttpServerRequest req, String tenant, String principal, String reason) {
        if (audit != null) {
            audit.record(denial(req, tenant, principal, reason));
        }
    }

    /** The one shape of an admin refusal's audit event: who, which tenant, why, from where, which path. */
    static AuditEvent denial(HttpServerRequest req, String tenant, String principal, String reason) {
        return new AuditEvent(System.currentTimeMillis(), tenant, principal, "admin." + req.method().name().toLowerCase(Locale.ROOT),
                "deny", reason, null, source(req),
                AdminJson.MAPPER.createObjectNode().put("path", req.path().length() > 256 ? req.path().substring(0, 256) : req.path()).toString());
    }

    /** A refusal's reason code: its stable code, and its finer reason when there is one. */
    static String reason(GatewayError error) {
        return error.reason().equals(error.code().code()) ? error.reason() : error.code().code() + ":" + error.reason();
    }

    private static String source(HttpServerRequest req) {
        return req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    }
}
