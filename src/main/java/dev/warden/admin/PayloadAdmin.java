package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Caller;
import dev.warden.crypto.Envelope;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.PayloadLog;
import dev.warden.record.PayloadRecord;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code /admin/v1/tenants/{id}/payloads[/{payloadId}]}: a tenant's logged payloads, for its own
 * admins only (platform admins and auditors are refused before this, audited). Listing shows
 * metadata; reading one opens it (the prompt as forwarded, the answer as relayed) and is itself an
 * audit event ({@code payload.read}), as is every delete. Another tenant's payload id answers exactly
 * like one that does not exist.
 */
final class PayloadAdmin {
    static final int MAX_LIMIT = 500;

    private final PayloadLog log;
    private final Envelope ring;
    private final AdminCalls calls;
    private final Predicate<String> exists;

    PayloadAdmin(PayloadLog log, Envelope ring, AdminCalls calls, Predicate<String> exists) {
        this.log = log;
        this.ring = ring;
        this.calls = calls;
        this.exists = exists;
    }

    /** {@code rest} = [tenant, "payloads"] or [tenant, "payloads", id]; {@code principal} is the tenant's own admin. */
    void handle(HttpServerRequest req, String[] rest, AdminPrincipal principal) {
        String tenant = rest[0];
        HttpMethod m = req.method();
        Caller caller = Caller.of(req, principal);
        if (rest.length == 2 && m == HttpMethod.GET) {
            long before;
            int limit;
            try {
                before = Long.parseLong(req.getParam("before", "0"));
                limit = Integer.parseInt(req.getParam("limit", "100"));
            } catch (NumberFormatException e) {
                before = -1;
                limit = -1;
            }
            if (before < 0 || limit < 1 || limit > MAX_LIMIT) {
                calls.refuse(req, principal, tenant, GatewayError.of(ErrorCode.INVALID_REQUEST,
                        "before is a time in epoch milliseconds; limit is 1.." + MAX_LIMIT + "."));
                return;
            }
            long b = before;
            int l = limit;
            calls.blocking(req, principal, () -> list(tenant, b, l));
        } else if (rest.length == 2 && m == HttpMethod.DELETE) {
            calls.blocking(req, principal, () -> deleteAll(tenant, caller));
        } else if (rest.length == 3 && m == HttpMethod.GET) {
            calls.blocking(req, principal, () -> read(tenant, rest[2], caller));
        } else if (rest.length == 3 && m == HttpMethod.DELETE) {
            calls.blocking(req, principal, () -> delete(tenant, rest[2], caller));
        } else {
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
        }
    }

    private Answer list(String tenant, long before, int limit) {
        if (!exists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        List<PayloadRecord> page = log.page(tenant, before, limit);
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("payloads");
        page.forEach(r -> list.add(meta(r)));
        if (page.size() == limit) {
            out.put("next", page.get(page.size() - 1).atMs());
        } else {
            out.putNull("next");
        }
        return Answer.ok(200, out);
    }

    private Answer read(String tenant, String id, Caller caller) throws Envelope.SealedException {
        PayloadRecord r = log.find(tenant, id).orElse(null);
        if (r == null) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such payload.");
        }
        JsonNode doc;
        try {
            doc = AdminJson.MAPPER.readTree(ring.openText(r.sealed(), PayloadRecord.aad(tenant, id)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a sealed payload that opened is not JSON", e);
        }
        calls.audited(caller, "payload.read", tenant, null, AdminJson.MAPPER.createObjectNode().put("id", id).put("requestId", r.requestId()));
        ObjectNode out = meta(r);
        out.set("request", doc.get("request"));
        out.set("response", doc.get("response"));
        return Answer.ok(200, out);
    }

    private Answer delete(String tenant, String id, Caller caller) {
        if (!log.delete(tenant, id)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such payload.");
        }
        calls.audited(caller, "payload.delete", tenant, AdminJson.MAPPER.createObjectNode().put("id", id), null);
        return Answer.ok(204, null);
    }

    private Answer deleteAll(String tenant, Caller caller) {
        if (!exists.test(tenant)) {
            return Answer.refuse(ErrorCode.NOT_FOUND, "No such tenant.");
        }
        int n = log.deleteAll(tenant);
        calls.audited(caller, "payload.delete", tenant, AdminJson.MAPPER.createObjectNode().put("all", true).put("count", n), null);
        return Answer.ok(200, AdminJson.MAPPER.createObjectNode().put("deleted", n));
    }

    private static ObjectNode meta(PayloadRecord r) {
        ObjectNode n = AdminJson.MAPPER.createObjectNode().put("id", r.id()).put("requestId", r.requestId())
                .put("at", Instant.ofEpochMilli(r.atMs()).toString()).put("atMs", r.atMs()).put("principal", r.principal())
                .put("operation", r.operation()).put("model", r.model()).put("status", r.status())
                .put("expiresAt", Instant.ofEpochMilli(r.expiresAtMs()).toString());
        return n;
    }
}
