package dev.warden.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Caller;
import dev.warden.config.ConfigReader;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.TenantSettings;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreSync;
import dev.warden.store.TenantSetting;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * {@code /admin/v1/tenants/{id}/settings[/{kind}]}: a tenant's run-time settings (see
 * {@link TenantSettings}). Every tenant's settings live in the store, file tenants' too:
 * {@code warden.yaml} declares none of these kinds, so nothing here is file-owned. A tenant admin
 * manages its own {@code auth}, {@code budgets} and {@code logging}; {@code overrides} (limits
 * beyond the tier) are the platform's.
 */
final class TenantSettingsAdmin {
    private static final Set<String> TENANT_ADMIN_KINDS = Set.of("auth", "budgets", "logging", "guardrails", "fields");

    private final ControlStore store;
    private final StoreSync sync;
    private final AdminCalls calls;
    private final Predicate<String> tenantExists;
    private final SnapshotHolder snapshots;

    TenantSettingsAdmin(ControlStore store, StoreSync sync, AdminCalls calls, Predicate<String> tenantExists,
                        SnapshotHolder snapshots) {
        this.snapshots = snapshots;
        this.store = store;
        this.sync = sync;
        this.calls = calls;
        this.tenantExists = tenantExists;
    }

    /** {@code rest} = [tenant, "settings"] or [tenant, "settings", kind]. */
    void handle(HttpServerRequest req, String[] rest, AdminPrincipal principal) {
        String tenant = rest[0];
        HttpMethod m = req.method();
        if (rest.length == 2 && m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> all(tenant));
            return;
        }
        if (rest.length != 3 || !TenantSettings.KINDS.contains(rest[2])) {
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route (settings kinds: auth, budgets, overrides, logging)."));
            return;
        }
        String kind = rest[2];
        if (m != HttpMethod.GET && !principal.platform() && !TENANT_ADMIN_KINDS.contains(kind)) {
            calls.refuse(req, principal, null, GatewayError.of(ErrorCode.FORBIDDEN, "Only platform administrators change " + kind + ".",
                    "platform_only"));
            return;
        }
        if (m != HttpMethod.GET) {
            GatewayError stepUp = AdminStepUp.check(snapshots, principal, tenant, "config");
            if (stepUp != null) {
                calls.refuse(req, principal, null, stepUp);
                return;
            }
        }
        Caller caller = Caller.of(req, principal);
        if (m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> one(tenant, kind));
        } else if (m == HttpMethod.PUT) {
            calls.withBody(req, principal, body -> put(tenant, kind, body, caller));
        } else if (m == HttpMethod.DELETE) {
            calls.blocking(req, principal, () -> delete(tenant, kind, caller));
        } else {
            req.response().putHeader("Allow", "GET, PUT, DELETE");
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "Settings accept GET, PUT and DELETE."));
        }
    }

    private Answer all(String tenant) throws Exception {
        if (!tenantExists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        ObjectNode out = AdminJson.MAPPER.createObjectNode().put("tenant", tenant);
        ObjectNode kinds = out.putObject("settings");
        for (String k : new TreeSet<>(TenantSettings.KINDS)) {
            kinds.putNull(k);
        }
        for (TenantSetting s : store.settings().ofTenant(tenant)) {
            kinds.set(s.kind(), AdminJson.MAPPER.readTree(s.body()));
        }
        return Answer.ok(200, out);
    }

    private Answer one(String tenant, String kind) throws Exception {
        if (!tenantExists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        Optional<TenantSetting> s = store.settings().find(tenant, kind);
        if (s.isEmpty()) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "This tenant has no " + kind + " settings (the defaults apply).");
        }
        return Answer.ok(200, AdminJson.MAPPER.readTree(s.get().body()));
    }

    private Answer put(String tenant, String kind, JsonNode body, Caller caller) throws Exception {
        if (!tenantExists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        ConfigReader check = ConfigReader.forJsonBody();
        ObjectNode normalised = TenantSettings.validate(kind, body, check, snapshots.current().config().egress());
        if (!check.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", check.errors()));
        }
        Optional<TenantSetting> before = store.settings().put(new TenantSetting(tenant, kind, normalised.toString(), System.currentTimeMillis()));
        sync.syncNow();
        calls.audited(caller, "admin.settings." + kind, tenant, before.map(b -> json(b.body())).orElse(null), normalised);
        return Answer.ok(200, normalised);
    }

    private Answer delete(String tenant, String kind, Caller caller) {
        if (!tenantExists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        Optional<TenantSetting> before = store.settings().delete(tenant, kind);
        if (before.isEmpty()) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "This tenant has no " + kind + " settings.");
        }
        sync.syncNow();
        calls.audited(caller, "admin.settings." + kind, tenant, json(before.get().body()), null);
        return Answer.ok(204, null);
    }

    private static JsonNode json(String s) {
        try {
            return AdminJson.MAPPER.readTree(s);
        } catch (JsonProcessingException e) {
            return AdminJson.MAPPER.getNodeFactory().textNode("(unreadable)");
        }
    }
}
