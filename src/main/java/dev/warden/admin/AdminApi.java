package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.ConfigStatus;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin plane (its own listener, never the data port): health, readiness, Prometheus metrics,
 * the dashboard, and the admin API under {@code /admin/v1}. Every API call is authenticated
 * ({@link AdminAuthenticator}) and then authorised by the principal's kind: platform admins
 * everything but payloads, platform auditors the audit log only, tenant admins their own tenant.
 */
public final class AdminApi implements Handler<HttpServerRequest> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String V1 = "/admin/v1/";
    /** A tenant's payload-bearing resources: cached responses, prompt logs, job data. */
    /** The tenant routes a tenant's MFA rule for {@code usage} covers. */
    private static final Set<String> USAGE_VIEWS = Set.of("usage", "spend", "alerts");
    private static final Set<String> STORE_ROUTES = Set.of("tenants", "audit", "alerts", "pools", "operators", "role-bindings");

    private final SnapshotHolder snapshots;
    private final PrometheusMeterRegistry prometheus;
    private final BooleanSupplier ready;
    private final AdminAuthenticator auth;
    private final AdminResources resources;
    private final Dashboard dashboard = new Dashboard();
    private final TrafficView traffic;
    private final Supplier<String> jwks;

    /**
     * {@code resources} may be null (no control store): its routes then answer 503. {@code jwks}:
     * the public keys of Warden's service tokens, published at {@code /.well-known/jwks.json}.
     */
    public AdminApi(SnapshotHolder snapshots, PrometheusMeterRegistry prometheus, BooleanSupplier ready,
                    AdminAuthenticator auth, AdminResources resources, Supplier<String> jwks) {
        this.jwks = jwks;
        this.snapshots = snapshots;
        this.prometheus = prometheus;
        this.ready = ready;
        this.auth = auth;
        this.resources = resources;
        this.traffic = new TrafficView(prometheus);
    }

    @Override
    public void handle(HttpServerRequest req) {
        HttpServerResponse res = req.response();
        res.putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", "DENY");
        String path = req.path();
        boolean get = req.method() == HttpMethod.GET;
        if (path.startsWith(V1)) {
            String[] segments = segments(path.substring(V1.length()));
            if (segments == null) {
                problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                return;
            }
            auth.authenticate(req).onSuccess(principal -> {
                if (principal != null) {
                    api(req, segments, principal);
                }
            });
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
            case "/.well-known/jwks.json" -> {
                if (get) {
                    res.putHeader("Cache-Control", "max-age=60");
                    json(res, 200, jwks.get());
                    return;
                }
            }
            case "/metrics" -> {
                if (get) {
                    res.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(prometheus.scrape());
                    return;
                }
            }
            default -> {
                if (get && dashboard.serve(path, res)) {
                    return;
                }
                problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                return;
            }
        }
        res.putHeader("Allow", "GET");
        problem(res, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "This route accepts GET only."));
    }

    /** Routes an authenticated call; {@code s} = the path segments after {@code /admin/v1/}. */
    private void api(HttpServerRequest req, String[] s, AdminPrincipal principal) {
        HttpServerResponse res = req.response();
        String top = s[0];
        if (top.equals("whoami") && s.length == 1) {
            ObjectNode n = MAPPER.createObjectNode().put("name", principal.name())
                    .put("kind", principal.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            principal.tenants().stream().sorted().forEach(n.putArray("tenants")::add);
            json(res, 200, n.toString());
            return;
        }
        if (principal.auditor() && !top.equals("audit")) {
            forbid(req, principal, "auditor", "Platform auditors read the audit log only.");
            return;
        }
        if (top.equals("config") && s.length == 2 && s[1].equals("status")) {
            if (!principal.platform()) {
                forbid(req, principal, "platform_only", "This is for platform administrators.");
            } else if (get(req)) {
                json(res, 200, status(snapshots.status()));
            }
            return;
        }
        if (top.equals("traffic") && s.length == 1) {
            if (get(req)) {
                ObjectNode view = traffic.snapshot(principal);
                if (resources != null) {
                    resources.spend.addToday(view);
                }
                json(res, 200, view.toString());
            }
            return;
        }
        if (top.equals("tenants") && s.length == 1 && req.method() == HttpMethod.GET) {
            json(res, 200, tenants(snapshots.current(), principal));
            return;
        }
        if (!STORE_ROUTES.contains(top)) {
            problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
            return;
        }
        if (resources == null) {
            problem(res, GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "This instance runs without a control store."));
            return;
        }
        String[] rest = Arrays.copyOfRange(s, 1, s.length);
        switch (top) {
            case "tenants" -> tenant(req, rest, principal);
            case "audit" -> resources.audit.handle(req, rest, principal, auth);
            case "alerts" -> {
                if (rest.length == 0) {
                    resources.spend.alerts(req, principal, null);
                } else {
                    problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                }
            }
            case "pools" -> {
                if (!principal.platform()) {
                    forbid(req, principal, "platform_only", "This is for platform administrators.");
                } else if (rest.length == 0) {
                    resources.spend.pools(req);
                } else {
                    problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                }
            }
            case "operators", "role-bindings" -> {
                if (!principal.platform()) {
                    forbid(req, principal, "platform_only", "This is for platform administrators.");
                } else if (top.equals("operators")) {
                    resources.operators.handle(req, rest, principal);
                } else if (rest.length == 0) {
                    resources.bindings.handle(req, "", principal);
                } else {
                    problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                }
            }
            default -> problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
        }
    }

    /** {@code /admin/v1/tenants/...}: {@code rest} = segments after "tenants". */
    private void tenant(HttpServerRequest req, String[] rest, AdminPrincipal principal) {
        if (rest.length >= 2 && rest[1].equals("payloads") && (principal.platform() || principal.sees(rest[0]))) {
            if (principal.platform()) { // auditors were refused above: they read the audit log only
                // Platform principals see metadata and usage, never what a tenant's users sent or got (ATTACKS A08).
                auth.refuse(req, principal, GatewayError.of(ErrorCode.ADMIN_PAYLOAD_DENIED,
                        "Payloads are visible to the tenant's own admins only."));
            } else if (rest.length <= 3) {
                resources.payloads.handle(req, rest, principal);
            } else {
                problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
            }
            return;
        }
        if (rest.length == 2 && USAGE_VIEWS.contains(rest[1]) && principal.sees(rest[0])) {
            // a tenant's MFA rule for the "usage" class covers what its usage and spend reveal
            GatewayError stepUp = AdminStepUp.check(snapshots, principal, rest[0], "usage");
            if (stepUp != null) {
                auth.refuse(req, principal, stepUp);
                return;
            }
        }
        if (rest.length >= 2 && principal.sees(rest[0])) {
            switch (rest[1]) {
                case "settings" -> {
                    resources.settings.handle(req, rest, principal);
                    return;
                }
                case "role-bindings" -> {
                    if (rest.length == 2) {
                        resources.bindings.handle(req, rest[0], principal);
                    } else {
                        problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                    }
                    return;
                }
                case "spend" -> {
                    if (rest.length == 2) {
                        resources.spend.spend(req, principal, rest[0]);
                    } else {
                        problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                    }
                    return;
                }
                case "alerts" -> {
                    if (rest.length == 2) {
                        resources.spend.alerts(req, principal, rest[0]);
                    } else {
                        problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
                    }
                    return;
                }
                default -> {
                }
            }
        }
        resources.tenants.handle(req, rest, principal);
    }

    /** Path segments, each 1..64 of [a-z0-9-]; null if any is not (no decoding, no traversal). */
    private static String[] segments(String rest) {
        if (rest.isEmpty()) {
            return null;
        }
        String[] segs = rest.split("/", -1);
        for (String seg : segs) {
            if (seg.isEmpty() || seg.length() > 64 || !seg.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return null;
            }
        }
        return segs;
    }

    private void forbid(HttpServerRequest req, AdminPrincipal principal, String reason, String detail) {
        auth.refuse(req, principal, GatewayError.of(ErrorCode.FORBIDDEN, detail, reason));
    }

    private static boolean get(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET) {
            return true;
        }
        req.response().putHeader("Allow", "GET");
        problem(req.response(), GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "This route accepts GET only."));
        return false;
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
        AdminJson.problem(res, error);
    }
}
