package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Caller;
import dev.warden.config.ConfigReader;
import dev.warden.config.PlatformRole;
import dev.warden.config.Role;
import dev.warden.config.SnapshotHolder;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.ControlStore;
import dev.warden.store.RoleBinding;
import dev.warden.store.StoreSync;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Role bindings: {@code /admin/v1/role-bindings} (platform roles, platform admins only) and
 * {@code /admin/v1/tenants/{id}/role-bindings} (that tenant's roles). A binding gives a subject of
 * the admin identity provider (its token's {@code sub}) a role, on top of the roles its token's
 * claims carry. Removal: {@code DELETE ...?subject=S&role=R}.
 */
final class RoleBindingsAdmin {
    private final ControlStore store;
    private final StoreSync sync;
    private final AdminCalls calls;
    private final Predicate<String> tenantExists;
    private final SnapshotHolder snapshots;

    RoleBindingsAdmin(ControlStore store, StoreSync sync, AdminCalls calls, Predicate<String> tenantExists,
                      SnapshotHolder snapshots) {
        this.snapshots = snapshots;
        this.store = store;
        this.sync = sync;
        this.calls = calls;
        this.tenantExists = tenantExists;
    }

    /** {@code scope} = "" for platform bindings, else the tenant id (already checked visible to the principal). */
    void handle(HttpServerRequest req, String scope, AdminPrincipal principal) {
        if (!scope.isEmpty() && req.method() != HttpMethod.GET) {
            GatewayError stepUp = AdminStepUp.check(snapshots, principal, scope, "config");
            if (stepUp != null) {
                calls.refuse(req, principal, null, stepUp);
                return;
            }
        }
        Caller caller = Caller.of(req, principal);
        HttpMethod m = req.method();
        if (m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> list(scope));
        } else if (m == HttpMethod.POST) {
            calls.withBody(req, principal, body -> add(scope, body, caller));
        } else if (m == HttpMethod.DELETE) {
            String subject = req.getParam("subject");
            String role = req.getParam("role");
            calls.blocking(req, principal, () -> remove(scope, subject, role, caller));
        } else {
            req.response().putHeader("Allow", "GET, POST, DELETE");
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "Role bindings accept GET, POST and DELETE."));
        }
    }

    private Answer list(String scope) {
        if (!scope.isEmpty() && !tenantExists.test(scope)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("bindings");
        for (RoleBinding b : store.bindings().all()) {
            if (b.scope().equals(scope)) {
                list.addObject().put("subject", b.subject()).put("role", b.role())
                        .put("createdAt", Instant.ofEpochMilli(b.createdAtMs()).toString());
            }
        }
        return Answer.ok(200, out);
    }

    private Answer add(String scope, JsonNode body, Caller caller) {
        if (!scope.isEmpty() && !tenantExists.test(scope)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        ConfigReader c = ConfigReader.forJsonBody();
        c.object(body, "", Set.of("subject", "role"), true);
        String subject = c.text(body, "", "subject", true, 256);
        String role = c.text(body, "", "role", true, 32);
        if (subject != null && !subject.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            c.error("subject", "expected printable ASCII");
        }
        if (role != null && !validRole(scope, role)) {
            c.error("role", "'" + role + "' (expected " + (scope.isEmpty() ? "platform-admin or platform-auditor"
                    : "tenant-admin, developer, viewer or service") + ")");
        }
        if (!c.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", c.errors()));
        }
        store.bindings().add(new RoleBinding(scope, subject, role, System.currentTimeMillis()));
        sync.syncNow();
        Map<String, String> view = Map.of("subject", subject, "role", role);
        calls.audited(caller, "admin.binding.add", scope.isEmpty() ? null : scope, null, view);
        return Answer.ok(201, view);
    }

    private Answer remove(String scope, String subject, String role, Caller caller) {
        if (subject == null || role == null) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, "subject and role query parameters are required.");
        }
        if (!scope.isEmpty() && !tenantExists.test(scope)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        if (!store.bindings().remove(scope, subject, role)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such binding.");
        }
        sync.syncNow();
        calls.audited(caller, "admin.binding.remove", scope.isEmpty() ? null : scope, Map.of("subject", subject, "role", role), null);
        return Answer.ok(204, null);
    }

    private static boolean validRole(String scope, String role) {
        return scope.isEmpty() ? PlatformRole.parse(role) != null : Role.parse(role) != null;
    }
}
