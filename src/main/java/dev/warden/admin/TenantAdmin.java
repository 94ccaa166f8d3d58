package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Caller;
import dev.warden.admin.AdminCalls.Text;
import dev.warden.config.ApiKeyRecord;
import dev.warden.config.ConfigReader;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.TenantStatus;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.spend.UsageReport;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreSync;
import dev.warden.store.StoredKey;
import dev.warden.store.StoredTenant;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code /admin/v1/tenants/...}: tenants and their keys. Tenants declared in {@code warden.yaml}
 * are listed but owned by the file: the API refuses to change them (409). Keys can be issued for
 * any tenant; a new key is shown once, only its keyed hash is stored. Store calls block, so they
 * run on worker threads; after a write this replica's snapshot is refreshed before the answer
 * (the others follow within {@code store.refreshMs}).
 */
public final class TenantAdmin {
    private final ControlStore store;
    private final StoreSync sync;
    private final SnapshotHolder snapshots;
    private final KeyHasher hasher;
    private final AdminCalls calls;
    private final Predicate<String> exists;

    /** Each budget's projection for a tenant (the spend view's), added to the JSON usage report. */
    private final Function<String, ArrayNode> forecasts;
    private final RecordFields fields;

    /** {@code exists}: whether a tenant exists (file or store; blocking, worker threads only). */
    TenantAdmin(ControlStore store, StoreSync sync, SnapshotHolder snapshots, KeyHasher hasher, AdminCalls calls,
                Predicate<String> exists, Function<String, ArrayNode> forecasts, RecordFields fields) {
        this.forecasts = forecasts;
        this.fields = fields;
        this.calls = calls;
        this.exists = exists;
        this.store = store;
        this.sync = sync;
        this.snapshots = snapshots;
        this.hasher = hasher;
    }

    /** Serves an authenticated request under {@code /admin/v1/tenants}; {@code rest} = the path segments after it. */
    void handle(HttpServerRequest req, String[] rest, AdminPrincipal principal) {
        HttpMethod m = req.method();
        HttpServerResponse res = req.response();
        if (!principal.platform()) {
            // A tenant admin: every other tenant does not exist; platform-level changes are refused.
            // Each refusal is audited (the same event for another tenant as for an unknown one).
            if (rest.length == 0) {
                calls.refuse(req, principal, null, GatewayError.of(ErrorCode.FORBIDDEN, "Only platform administrators create tenants.",
                        "platform_only"));
                return;
            }
            if (!principal.sees(rest[0])) {
                calls.refuse(req, principal, null, GatewayError.of(ErrorCode.NOT_FOUND, "No such tenant.", "tenant_not_visible"));
                return;
            }
            if (rest.length == 1 && m != HttpMethod.GET || rest.length == 2 && rest[1].equals("suspend")) {
                calls.refuse(req, principal, null, GatewayError.of(ErrorCode.FORBIDDEN,
                        "Only platform administrators change a tenant's settings.", "platform_only"));
                return;
            }
        }
        if (rest.length >= 2 && rest[1].equals("keys") && m != HttpMethod.GET) {
            GatewayError stepUp = AdminStepUp.check(snapshots, principal, rest[0], "keys");
            if (stepUp != null) {
                calls.refuse(req, principal, null, stepUp);
                return;
            }
        }
        Caller caller = Caller.of(req, principal);
        if (rest.length == 0 && m == HttpMethod.POST) {
            calls.withBody(req, principal, body -> create(body, caller));
        } else if (rest.length == 1 && m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> tenantView(rest[0]));
        } else if (rest.length == 1 && m == HttpMethod.PATCH) {
            calls.withBody(req, principal, body -> update(rest[0], body, caller));
        } else if (rest.length == 2 && rest[1].equals("suspend") && m == HttpMethod.POST) {
            calls.blocking(req, principal, () -> update(rest[0], AdminJson.MAPPER.createObjectNode().put("status", "suspended"), caller));
        } else if (rest.length == 2 && rest[1].equals("usage") && m == HttpMethod.GET) {
            String groupBy = req.getParam("groupBy", "day");
            String format = req.getParam("format", "json");
            String from = req.getParam("from");
            String to = req.getParam("to");
            if (fields.hidden(principal, rest[0], "usage").hides(groupBy)) { // a grouping by a hidden field would show it
                calls.refuse(req, principal, rest[0], GatewayError.of(ErrorCode.FORBIDDEN,
                        "This tenant's usage by " + groupBy + " is not visible to " + principal.kindId() + "s.", "field_hidden"));
                return;
            }
            calls.blocking(req, principal, () -> usage(rest[0], groupBy, format, from, to));
        } else if (rest.length == 2 && rest[1].equals("keys") && m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> keys(rest[0]));
        } else if (rest.length == 2 && rest[1].equals("keys") && m == HttpMethod.POST) {
            calls.withBody(req, principal, body -> issue(rest[0], body, null, caller));
        } else if (rest.length == 3 && rest[1].equals("keys") && m == HttpMethod.DELETE) {
            calls.blocking(req, principal, () -> revoke(rest[0], rest[2], caller));
        } else if (rest.length == 4 && rest[1].equals("keys") && rest[3].equals("rotate") && m == HttpMethod.POST) {
            calls.withBody(req, principal, body -> rotate(rest[0], rest[2], body, caller));
        } else {
            AdminJson.problem(res, GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
        }
    }

    // ---------------------------------------------------------------- operations (worker threads)

    private Answer create(JsonNode body, Caller caller) {
        Snapshot snap = snapshots.current();
        var checked = TenantRequests.tenant(body, null, snap.config(), System.currentTimeMillis());
        if (!checked.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", checked.errors()));
        }
        if (snap.config().tenants().containsKey(checked.value().id())) {
            return Answer.refuse(ErrorCode.CONFLICT, "This tenant is declared in warden.yaml; change it there.");
        }
        StoredTenant t = store.tenants().create(checked.value());
        sync.syncNow();
        calls.audited(caller, "admin.tenant.create", t.id(), null, view(t, "store"));
        return Answer.ok(201, view(t, "store"));
    }

    private Answer update(String id, JsonNode body, Caller caller) {
        Snapshot snap = snapshots.current();
        if (snap.config().tenants().containsKey(id)) {
            return Answer.refuse(ErrorCode.CONFLICT, "This tenant is declared in warden.yaml; change it there.");
        }
        Optional<StoredTenant> base = store.tenants().find(id);
        if (base.isEmpty()) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        var checked = TenantRequests.tenant(body, base.get(), snap.config(), System.currentTimeMillis());
        if (!checked.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", checked.errors()));
        }
        StoredTenant t = store.tenants().update(checked.value());
        sync.syncNow();
        calls.audited(caller, "admin.tenant.update", t.id(), view(base.get(), "store"), view(t, "store"));
        return Answer.ok(200, view(t, "store"));
    }

    private Answer tenantView(String id) {
        Snapshot snap = snapshots.current();
        if (snap.config().tenants().containsKey(id)) {
            return Answer.ok(200, AdminJson.tenant(snap.tenant(id), "file"));
        }
        return store.tenants().find(id).map(t -> Answer.ok(200, view(t, "store")))
                .orElseGet(() -> Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant."));
    }

    private Answer usage(String tenantId, String groupBy, String format, String from, String to) {
        if (!exists.test(tenantId)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        UsageReport.GroupBy group = UsageReport.GroupBy.parse(groupBy);
        if (group == null || !(format.equals("json") || format.equals("csv"))) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, "groupBy must be day, model, key or user; format json or csv.");
        }
        long toMs;
        long fromMs;
        try {
            toMs = to == null ? System.currentTimeMillis() + 1 : LocalDate.parse(to).plusDays(1)
                    .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            fromMs = from == null ? toMs - Duration.ofDays(30).toMillis() : LocalDate.parse(from)
                    .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, "from and to must be dates (YYYY-MM-DD, UTC, inclusive).");
        }
        List<UsageReport.Row> rows = UsageReport.rows(store.ledger().usage(tenantId, fromMs, toMs), group);
        if (format.equals("csv")) {
            return Answer.ok(200, new Text("text/csv; charset=utf-8", UsageReport.csv(rows)));
        }
        ObjectNode root = AdminJson.MAPPER.createObjectNode().put("tenant", tenantId).put("groupBy", groupBy)
                .put("from", Instant.ofEpochMilli(fromMs).toString()).put("to", Instant.ofEpochMilli(toMs).toString());
        ArrayNode list = root.putArray("rows");
        for (UsageReport.Row r : rows.subList(0, rows.size() - 1)) {
            list.add(AdminJson.MAPPER.valueToTree(r));
        }
        root.set("total", AdminJson.MAPPER.valueToTree(rows.get(rows.size() - 1)));
        root.set("budgets", forecasts.apply(tenantId)); // spend rate, reservations in flight, projected exhaustion
        return Answer.ok(200, root);
    }

    private Answer keys(String tenantId) {
        if (!exists.test(tenantId)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        ObjectNode root = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("keys");
        for (ApiKeyRecord k : snapshots.current().keys().values()) {
            if (k.tenantId().equals(tenantId) && "config".equals(k.source())) {
                ObjectNode n = list.addObject().put("keyId", k.keyId()).put("role", k.role().id()).put("source", "file")
                        .put("revoked", false);
                if (k.models() != null) {
                    k.models().stream().sorted().forEach(n.putArray("models")::add);
                }
            }
        }
        long now = System.currentTimeMillis();
        for (StoredKey k : store.keys().ofTenant(tenantId)) {
            ObjectNode n = list.addObject().put("keyId", k.keyId()).put("role", k.role().id()).put("source", "store")
                    .put("revoked", !k.validAt(now)).put("state", state(k, now))
                    .put("createdAt", Instant.ofEpochMilli(k.createdAtMs()).toString());
            if (k.models() != null) {
                k.models().forEach(n.putArray("models")::add);
            }
            putInstant(n, "expiresAt", k.expiresAtMs());
            putInstant(n, "validUntil", k.validUntilMs());
            putInstant(n, "lastUsedAt", k.lastUsedAtMs());
        }
        return Answer.ok(200, root);
    }

    /** {@code valid}, {@code rotating} (replaced, working until its overlap ends), {@code expired} or {@code revoked}. */
    private static String state(StoredKey k, long now) {
        if (k.validAt(now)) {
            return k.revoked() ? "rotating" : "valid";
        }
        return k.expiresAtMs() > 0 && k.expiresAtMs() <= now && (!k.revoked() || k.expiresAtMs() < k.revokedAtMs()) ? "expired" : "revoked";
    }

    private static void putInstant(ObjectNode n, String field, long ms) {
        if (ms > 0) {
            n.put(field, Instant.ofEpochMilli(ms).toString());
        }
    }

    private Answer issue(String tenantId, JsonNode body, StoredKey replacing, Caller caller) {
        return issue(tenantId, body, replacing, 0, caller);
    }

    private Answer issue(String tenantId, JsonNode body, StoredKey replacing, long overlapMs, Caller caller) {
        Set<String> models = tenantModels(tenantId);
        if (models == null) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        long now = System.currentTimeMillis();
        var checked = TenantRequests.key(body, models, now);
        if (!checked.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", checked.errors()));
        }
        String key = ApiKeyFormat.generate();
        StoredKey stored = store.keys().insert(new StoredKey(ApiKeyFormat.keyId(key), tenantId, checked.value().role(),
                checked.value().models(), hasher.hashText(key), now, 0, checked.value().expiresAtMs(), 0));
        if (replacing != null) {
            store.keys().revoke(tenantId, replacing.keyId(), now + overlapMs); // the old key works until then
        }
        sync.syncNow();
        Map<String, Object> keyView = new LinkedHashMap<>();
        keyView.put("keyId", stored.keyId());
        keyView.put("role", stored.role().id());
        keyView.put("models", stored.models());
        keyView.put("expiresAt", stored.expiresAtMs() == 0 ? null : Instant.ofEpochMilli(stored.expiresAtMs()).toString());
        calls.audited(caller, replacing == null ? "admin.key.issue" : "admin.key.rotate", tenantId,
                replacing == null ? null : Map.of("keyId", replacing.keyId()), keyView);
        ObjectNode n = AdminJson.MAPPER.createObjectNode().put("keyId", stored.keyId()).put("tenantId", tenantId)
                .put("role", stored.role().id()).put("key", key)
                .put("note", "Shown once: only a keyed hash of this key is stored.");
        if (stored.models() != null) {
            stored.models().forEach(n.putArray("models")::add);
        }
        if (replacing != null) {
            n.put("replaces", replacing.keyId());
            n.put("replacedKeyValidUntil", Instant.ofEpochMilli(now + overlapMs).toString());
        }
        putInstant(n, "expiresAt", stored.expiresAtMs());
        return Answer.ok(201, n);
    }

    private Answer revoke(String tenantId, String keyId, Caller caller) {
        if (isFileKey(tenantId, keyId)) {
            return Answer.refuse(ErrorCode.CONFLICT, "This key is declared in warden.yaml; remove it there.");
        }
        if (!store.keys().revoke(tenantId, keyId, System.currentTimeMillis())) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such valid key for this tenant.");
        }
        sync.syncNow();
        calls.audited(caller, "admin.key.revoke", tenantId, Map.of("keyId", keyId, "revoked", false),
                Map.of("keyId", keyId, "revoked", true));
        return Answer.ok(204, null);
    }

    /** Maximum overlap of a rotation: the old key keeps working at most this long. */
    static final long MAX_OVERLAP_SECONDS = 30L * 24 * 3600;

    private Answer rotate(String tenantId, String keyId, JsonNode request, Caller caller) {
        if (isFileKey(tenantId, keyId)) {
            return Answer.refuse(ErrorCode.CONFLICT, "This key is declared in warden.yaml; rotate it there.");
        }
        ConfigReader check = ConfigReader.forJsonBody();
        check.object(request, "", Set.of("overlapSeconds"), true);
        long overlapSeconds = check.longValue(request, "", "overlapSeconds", 0, 0, MAX_OVERLAP_SECONDS, false);
        if (!check.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", check.errors()));
        }
        long now = System.currentTimeMillis();
        Optional<StoredKey> old = store.keys().ofTenant(tenantId).stream()
                .filter(k -> k.keyId().equals(keyId) && k.validAt(now) && !k.revoked()).findFirst();
        if (old.isEmpty()) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such valid key for this tenant.");
        }
        // The new key keeps the old one's role, models and expiry.
        ObjectNode body = AdminJson.MAPPER.createObjectNode().put("role", old.get().role().id());
        if (old.get().models() != null) {
            old.get().models().forEach(body.putArray("models")::add);
        }
        if (old.get().expiresAtMs() > now) {
            body.put("expiresAt", Instant.ofEpochMilli(old.get().expiresAtMs()).toString());
        }
        return issue(tenantId, body, old.get(), overlapSeconds * 1000, caller);
    }

    private boolean isFileKey(String tenantId, String keyId) {
        ApiKeyRecord k = snapshots.current().key(keyId);
        return k != null && "config".equals(k.source()) && k.tenantId().equals(tenantId);
    }

    private Set<String> tenantModels(String tenantId) {
        var file = snapshots.current().config().tenants().get(tenantId);
        if (file != null) {
            return Set.copyOf(file.models());
        }
        return store.tenants().find(tenantId).map(t -> Set.copyOf(t.models())).orElse(null);
    }

    private static ObjectNode view(StoredTenant t, String source) {
        ObjectNode n = AdminJson.MAPPER.createObjectNode().put("id", t.id()).put("tier", t.tier())
                .put("status", t.status() == TenantStatus.ACTIVE ? "active" : "suspended").put("source", source);
        t.regions().forEach(n.putArray("regions")::add);
        t.models().forEach(n.putArray("models")::add);
        return n;
    }
}
