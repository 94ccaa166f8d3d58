package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Caller;
import dev.warden.config.ConfigReader;
import dev.warden.config.PlatformRole;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.ControlStore;
import dev.warden.store.OperatorKey;
import dev.warden.store.StoreSync;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * {@code /admin/v1/operators}: API keys of platform operators ({@code platform-admin},
 * {@code platform-auditor}). Issued keys are shown once; only their keyed hash is stored, in a
 * table the data plane never reads. Platform admins only.
 */
final class OperatorAdmin {
    private final ControlStore store;
    private final StoreSync sync;
    private final KeyHasher hasher;
    private final AdminCalls calls;

    OperatorAdmin(ControlStore store, StoreSync sync, KeyHasher hasher, AdminCalls calls) {
        this.store = store;
        this.sync = sync;
        this.hasher = hasher;
        this.calls = calls;
    }

    /** {@code rest} = path segments after {@code /admin/v1/operators}. */
    void handle(HttpServerRequest req, String[] rest, AdminPrincipal principal) {
        Caller caller = Caller.of(req, principal);
        HttpMethod m = req.method();
        if (rest.length == 0 && m == HttpMethod.GET) {
            calls.blocking(req, principal, this::list);
        } else if (rest.length == 0 && m == HttpMethod.POST) {
            calls.withBody(req, principal, body -> issue(body, caller));
        } else if (rest.length == 1 && m == HttpMethod.DELETE) {
            calls.blocking(req, principal, () -> revoke(rest[0], caller));
        } else {
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
        }
    }

    private Answer list() {
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("operators");
        for (OperatorKey k : store.operators().all()) {
            list.addObject().put("keyId", k.keyId()).put("name", k.name()).put("role", k.role().id())
                    .put("revoked", k.revoked()).put("createdAt", Instant.ofEpochMilli(k.createdAtMs()).toString());
        }
        return Answer.ok(200, out);
    }

    private Answer issue(JsonNode body, Caller caller) {
        ConfigReader c = ConfigReader.forJsonBody();
        c.object(body, "", Set.of("name", "role"), true);
        String name = c.text(body, "", "name", true, 128);
        String role = c.oneOf(body, "", "role", Set.of("platform-admin", "platform-auditor"), null);
        if (name != null && !name.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            c.error("name", "expected printable ASCII");
        }
        if (!c.ok()) {
            return Answer.refuse(ErrorCode.INVALID_REQUEST, String.join("; ", c.errors()));
        }
        String key = ApiKeyFormat.generate();
        OperatorKey stored = store.operators().insert(new OperatorKey(ApiKeyFormat.keyId(key), name, PlatformRole.parse(role),
                hasher.hashText(key), System.currentTimeMillis(), 0));
        sync.syncNow();
        calls.audited(caller, "admin.operator.issue", null, null, Map.of("keyId", stored.keyId(), "name", name, "role", role));
        return Answer.ok(201, AdminJson.MAPPER.createObjectNode().put("keyId", stored.keyId()).put("name", name).put("role", role)
                .put("key", key).put("note", "Shown once: only a keyed hash of this key is stored."));
    }

    private Answer revoke(String keyId, Caller caller) {
        if (!store.operators().revoke(keyId, System.currentTimeMillis())) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such valid operator key.");
        }
        sync.syncNow();
        calls.audited(caller, "admin.operator.revoke", null, Map.of("keyId", keyId, "revoked", false), Map.of("keyId", keyId, "revoked", true));
        return Answer.ok(204, null);
    }
}
