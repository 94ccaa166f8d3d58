package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.audit.AuditEvent;
import dev.warden.audit.AuditWriter;
import dev.warden.config.ConfigStatus;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;
import dev.warden.http.ProblemWriter;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.BooleanSupplier;

/**
 * The admin plane (its own listener, never the data port): health, readiness, Prometheus metrics,
 * and the first admin API routes, which need the admin token.
 */
public final class AdminApi implements Handler<HttpServerRequest> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SnapshotHolder snapshots;
    private final PrometheusMeterRegistry prometheus;
    private final AdminToken token;
    private final BooleanSupplier ready;
    private final TenantAdmin tenants;
    private final AuditWriter audit;
    private final dev.warden.config.KeyHasher hasher;

    /**
     * {@code tenants} and {@code audit} may be null (no control store): the tenant and key routes then
     * answer 503, and admin authentication failures are only logged.
     */
    public AdminApi(SnapshotHolder snapshots, PrometheusMeterRegistry prometheus, AdminToken token, BooleanSupplier ready,
                    TenantAdmin tenants, AuditWriter audit, dev.warden.config.KeyHasher hasher) {
        this.audit = audit;
        this.hasher = hasher;
        this.snapshots = snapshots;
        this.prometheus = prometheus;
        this.token = token;
        this.ready = ready;
        this.tenants = tenants;
    }

    @Override
    public void handle(HttpServerRequest req) {
        HttpServerResponse res = req.response();
        res.putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", "DENY");
        String path = req.path();
        boolean get = req.method() == HttpMethod.GET;
        if (path.startsWith("/admin/v1/tenants/") || (path.equals("/admin/v1/tenants") && !get)) {
            AdminPrincipal principal = authenticate(req);
            if (principal == null) {
                return;
            }
            if (tenants == null) {
                problem(res, GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "This instance runs without a control store."));
                return;
            }
            String rest = path.substring("/admin/v1/tenants".length());
            String[] segments = rest.isEmpty() ? new String[0] : rest.substring(1).split("/", -1);
            for (String seg : segments) {
                if (seg.isEmpty() || seg.length() > 64 || !seg.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                    problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                    return;
                }
            }
            tenants.handle(req, segments, principal);
            return;
        }
        switch (path) {
            case "/healthz" -> {
                if (get) {
                    json(res, 200, "{\"status\":\"ok\"}");
                    return;
                }
            }
            case "/readyz" -> {
                if (get) {
                    boolean ok = ready.getAsBoolean();
                    json(res, ok ? 200 : 503, ok ? "{\"status\":\"ready\"}" : "{\"status\":\"starting\"}");
                    return;
                }
            }
            case "/metrics" -> {
                if (get) {
                    res.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(prometheus.scrape());
                    return;
                }
            }
            case "/admin/v1/tenants", "/admin/v1/config/status" -> {
                AdminPrincipal principal = authenticate(req);
                if (principal == null) {
                    return;
                }
                if (!principal.platform() && path.endsWith("status")) {
                    problem(res, GatewayError.of(ErrorCode.FORBIDDEN, "This is for platform administrators."));
                    return;
                }
                if (get) {
                    json(res, 200, path.endsWith("tenants") ? tenants(snapshots.current(), principal) : status(snapshots.status()));
                    return;
                }
            }
            default -> {
                problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                return;
            }
        }
        res.putHeader("Allow", "GET");
        problem(res, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "This route accepts GET only."));
    }

    /**
     * The bootstrap token (the platform), or an API key with the tenant-admin role (its tenant's
     * admin). Anything else is answered here (401, or 403 for a valid key without that role) and
     * null is returned. Header-based method overrides are never read: the method is the method.
     */
    private AdminPrincipal authenticate(HttpServerRequest req) {
        String auth = req.getHeader("Authorization");
        if (token.accepts(auth)) {
            return AdminPrincipal.PLATFORM;
        }
        String key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        String keyId = key == null ? null : dev.warden.config.ApiKeyFormat.keyId(key);
        dev.warden.config.ApiKeyRecord record = keyId == null ? null : snapshots.current().key(keyId);
        if (record != null && hasher != null && hasher.matches(key, record.hash())) {
            if (record.role() == dev.warden.config.Role.TENANT_ADMIN) {
                return new AdminPrincipal(record.keyId(), record.tenantId());
            }
            audit(req, record.tenantId(), record.keyId(), "forbidden:role_" + record.role().id());
            problem(req.response(), GatewayError.of(ErrorCode.FORBIDDEN, "This key's role may not use the admin API."));
            return null;
        }
        refuseUnauthenticated(req);
        return null;
    }

    private void audit(HttpServerRequest req, String tenant, String principal, String reason) {
        if (audit != null) {
            audit.record(new AuditEvent(System.currentTimeMillis(), tenant, principal, "admin." + req.method().name().toLowerCase(
                    java.util.Locale.ROOT), "deny", reason, null,
                    req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), "{\"path\":" + quote(req.path()) + "}"));
        }
    }

    private void refuseUnauthenticated(HttpServerRequest req) {
        audit(req, null, null, "unauthenticated");
        req.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden-admin\"");
        problem(req.response(), GatewayError.of(ErrorCode.UNAUTHENTICATED, "A valid admin token is required."));
    }

    private static String quote(String s) {
        return MAPPER.getNodeFactory().textNode(s.length() > 256 ? s.substring(0, 256) : s).toString();
    }

    private static String tenants(Snapshot snapshot, AdminPrincipal principal) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("tenants");
        for (Tenant t : snapshot.tenants().values()) {
            if (!principal.sees(t.id())) {
                continue;
            }
            ObjectNode n = AdminJson.tenant(t, snapshot.config().tenants().containsKey(t.id()) ? "file" : "store");
            n.put("keys", snapshot.keys().values().stream().filter(k -> k.tenantId().equals(t.id())).count());
            list.add(n);
        }
        root.put("configVersion", snapshot.version());
        return root.toString();
    }

    private static String status(ConfigStatus s) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("version", s.version()).put("source", s.source()).put("loadedAt", s.loadedAt().toString())
                .put("sha256", s.sha256()).put("lastAttemptAt", s.lastAttemptAt().toString())
                .put("healthy", s.healthy()).put("reloads", s.reloads()).put("rejectedReloads", s.rejectedReloads());
        s.lastErrors().forEach(n.putArray("lastErrors")::add);
        return n.toString();
    }

    private static void json(HttpServerResponse res, int status, String body) {
        res.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    private static void problem(HttpServerResponse res, GatewayError error) {
        res.setStatusCode(error.status()).putHeader("Content-Type", "application/problem+json").end(ProblemWriter.body(error));
    }
}
