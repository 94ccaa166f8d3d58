package dev.warden.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminCalls.Answer;
import dev.warden.admin.AdminCalls.Text;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditLog;
import dev.warden.record.AuditQuery;
import dev.warden.record.AuditRecord;
import dev.warden.record.AuditVerifier;
import dev.warden.store.ControlStore;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code /admin/v1/audit}: query (newest first, filtered, paged by {@code before}), export as JSON
 * lines (oldest first, at most {@value #MAX_EXPORT} records per call; {@code ./warden audit export}
 * has no cap) and verify the chain. Platform admins and auditors read everything; a tenant admin
 * reads its own tenant's events only (and verifying the whole chain is the platform's).
 */
final class AuditAdmin {
    static final int MAX_EXPORT = 100_000;

    private final ControlStore store;
    private final AuditChain chain;
    private final AdminCalls calls;
    private final RecordFields fields;

    AuditAdmin(ControlStore store, AuditChain chain, AdminCalls calls, RecordFields fields) {
        this.store = store;
        this.chain = chain;
        this.calls = calls;
        this.fields = fields;
    }

    /** {@code rest} = path segments after {@code /admin/v1/audit}. */
    void handle(HttpServerRequest req, String[] rest, AdminPrincipal principal, AdminAuthenticator auth) {
        if (req.method() != HttpMethod.GET) {
            // No edit API exists, for anyone: an attempt is refused and itself audited (ATTACKS H08).
            auth.refuse(req, principal, GatewayError.of(ErrorCode.AUDIT_IMMUTABLE, "The audit log is append-only."));
            return;
        }
        if (rest.length == 1 && rest[0].equals("verify")) {
            if (principal.kind() == AdminPrincipal.Kind.TENANT_ADMIN) {
                AdminJson.problem(req.response(), GatewayError.of(ErrorCode.FORBIDDEN, "Verifying the whole chain is for platform principals."));
                return;
            }
            calls.blocking(req, principal, this::verify);
            return;
        }
        if (rest.length > 1 || rest.length == 1 && !rest[0].equals("export")) {
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such route."));
            return;
        }
        boolean export = rest.length == 1;
        String tenant = req.getParam("tenant");
        if (principal.kind() == AdminPrincipal.Kind.TENANT_ADMIN) {
            if (tenant == null && principal.tenants().size() == 1) {
                tenant = principal.tenants().iterator().next();
            }
            if (tenant == null || !principal.sees(tenant)) {
                AdminJson.problem(req.response(), GatewayError.of(ErrorCode.NOT_FOUND, "No such tenant."));
                return;
            }
        }
        AuditQuery query;
        try {
            query = new AuditQuery(tenant, req.getParam("action"), req.getParam("decision"), req.getParam("reason"),
                    req.getParam("principal"), day(req.getParam("from"), 0), day(req.getParam("to"), 1),
                    number(req.getParam("before"), 0, Long.MAX_VALUE), (int) number(req.getParam("limit"), 100, AuditQuery.MAX_LIMIT));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            AdminJson.problem(req.response(), GatewayError.of(ErrorCode.INVALID_REQUEST,
                    "from/to are dates (YYYY-MM-DD, UTC, inclusive); before is a sequence number; limit is 1.." + AuditQuery.MAX_LIMIT + "."));
            return;
        }
        AuditQuery q = query;
        calls.blocking(req, principal, () -> export ? export(q, principal) : query(q, principal));
    }

    private Answer query(AuditQuery q, AdminPrincipal principal) {
        List<AuditRecord> records = store.audit().query(q);
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("records");
        records.forEach(r -> {
            if (!filteredOnHidden(q, r, principal)) {
                list.add(seenBy(r, principal));
            }
        });
        if (records.size() == q.limit()) {
            out.put("next", records.get(records.size() - 1).seq());
        } else {
            out.putNull("next");
        }
        return Answer.ok(200, out);
    }

    private Answer export(AuditQuery q, AdminPrincipal principal) {
        List<AuditRecord> all = new ArrayList<>();
        long before = q.beforeSeq();
        while (all.size() < MAX_EXPORT) {
            List<AuditRecord> page = store.audit().query(new AuditQuery(q.tenant(), q.action(), q.decision(), q.reason(),
                    q.principal(), q.fromMs(), q.toMs(), before, AuditQuery.MAX_LIMIT));
            all.addAll(page);
            if (page.size() < AuditQuery.MAX_LIMIT) {
                break;
            }
            before = page.get(page.size() - 1).seq();
        }
        Collections.reverse(all);
        StringBuilder sb = new StringBuilder();
        for (AuditRecord r : all) {
            if (!filteredOnHidden(q, r, principal)) {
                sb.append(seenBy(r, principal)).append('\n');
            }
        }
        return Answer.ok(200, new Text("application/x-ndjson", sb.toString()));
    }

    private Answer verify() {
        AuditLog.Head head = store.audit().head();
        AuditVerifier.Result r = AuditVerifier.verify(store.audit().all(), head.seq(), head.mac(), chain);
        ObjectNode out = AdminJson.MAPPER.createObjectNode().put("intact", r.ok()).put("records", r.records()).put("headSeq", head.seq());
        if (!r.ok()) {
            out.put("firstBadSeq", r.firstBadSeq()).put("problem", r.problem());
        }
        return Answer.ok(200, out);
    }

    /** Whether the query picked this record by a field its tenant hides from the reader (a filter would reveal it). */
    private boolean filteredOnHidden(AuditQuery q, AuditRecord r, AdminPrincipal principal) {
        if (q.principal() == null && q.reason() == null) {
            return false;
        }
        var hidden = fields.hidden(principal, r.event().tenant(), "audit");
        return (q.principal() != null && hidden.hides("principal")) || (q.reason() != null && hidden.hides("reason"));
    }

    /** A record as {@code principal} may see it: without the fields its tenant hides from that kind of reader. */
    private ObjectNode seenBy(AuditRecord r, AdminPrincipal principal) {
        ObjectNode n = json(r);
        fields.hidden(principal, r.event().tenant(), "audit").strip(n);
        return n;
    }

    static ObjectNode json(AuditRecord r) {
        ObjectNode n = AdminJson.MAPPER.createObjectNode().put("seq", r.seq())
                .put("at", Instant.ofEpochMilli(r.event().atMs()).toString());
        n.setAll((ObjectNode) AdminJson.MAPPER.valueToTree(r.event()));
        n.put("mac", r.mac());
        return n;
    }

    private static long day(String s, int plusDays) {
        return s == null ? 0 : LocalDate.parse(s).plusDays(plusDays).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static long number(String s, long dflt, long max) {
        if (s == null) {
            return dflt;
        }
        long v = Long.parseLong(s);
        if (v < 1 || v > max) {
            throw new IllegalArgumentException();
        }
        return v;
    }
}
