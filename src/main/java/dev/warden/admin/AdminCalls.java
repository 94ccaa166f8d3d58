package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import dev.warden.store.StoreException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * The plumbing every admin resource shares: run store work on a worker thread, turn its result or
 * failure into JSON or problem+json, and write one audit event per change.
 */
final class AdminCalls {
    private final Vertx vertx;
    private final AuditWriter audit;

    AdminCalls(Vertx vertx, AuditWriter audit) {
        this.vertx = vertx;
        this.audit = audit;
    }

    /** Who made a change, for its audit event. */
    record Caller(String principal, String source) {
        static Caller of(HttpServerRequest req, AdminPrincipal principal) {
            return new Caller(principal.name(), req.remoteAddress() == null ? null : req.remoteAddress().hostAddress());
        }
    }

    /** An answer: status and body (JSON, or {@link Text}), or a refusal. */
    record Answer(int status, Object body, GatewayError error) {
        static Answer ok(int status, Object body) {
            return new Answer(status, body, null);
        }

        static Answer refuse(ErrorCode code, String detail) {
            return new Answer(0, null, GatewayError.of(code, detail));
        }
    }

    /** A non-JSON answer body (CSV, JSON lines). */
    record Text(String contentType, String text) {
    }

    interface BodyWork {
        Answer run(JsonNode body) throws Exception;
    }

    /** Reads the (bounded, strict) JSON body, then runs the work on a worker thread. */
    void withBody(HttpServerRequest req, AdminPrincipal principal, BodyWork work) {
        AdminJson.body(req).onComplete(ar -> {
            if (ar.failed()) {
                refuse(req, principal, null, GatewayError.of(ErrorCode.INVALID_JSON, "Invalid body: " + ar.cause().getMessage() + "."));
            } else {
                blocking(req, principal, () -> work.run(ar.result()));
            }
        });
    }

    /**
     * Runs store work on a worker thread and answers with its result. A refusal of what the caller
     * asked (400, 404, 409) is audited like every other admin refusal; a store outage (503) is not
     * a decision about the caller and is only answered.
     */
    void blocking(HttpServerRequest req, AdminPrincipal principal, Callable<Answer> work) {
        HttpServerResponse res = req.response();
        req.resume();
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                Throwable e = ar.cause();
                if (e instanceof StoreException.Conflict) {
                    refuse(req, principal, null, GatewayError.of(ErrorCode.CONFLICT, "It exists already."));
                } else if (e instanceof StoreException.NotFound) {
                    refuse(req, principal, null, GatewayError.of(ErrorCode.NOT_FOUND, "No such tenant or key."));
                } else if (e instanceof StoreException) {
                    AdminJson.problem(res, GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "The control store could not be reached."));
                } else {
                    AdminJson.problem(res, GatewayError.of(ErrorCode.INTERNAL_ERROR, "The request could not be processed."));
                }
                return;
            }
            Answer a = ar.result();
            if (a.error() != null) {
                refuse(req, principal, null, a.error());
            } else if (a.body() == null) {
                res.setStatusCode(a.status()).end();
            } else if (a.body() instanceof Text text) {
                res.setStatusCode(a.status()).putHeader("Content-Type", text.contentType()).end(text.text());
            } else {
                AdminJson.send(res, a.status(), a.body());
            }
        });
    }

    /**
     * Refuses an authenticated caller and records it (the event {@link AdminAuthenticator#denial}
     * describes), filed under the given tenant or else {@link AdminPrincipal#auditTenant}.
     */
    void refuse(HttpServerRequest req, AdminPrincipal principal, String tenant, GatewayError error) {
        if (audit != null) {
            audit.record(AdminAuthenticator.denial(req, tenant != null ? tenant : principal.auditTenant(req.path()), principal.name(),
                    AdminAuthenticator.reason(error)));
        }
        AdminJson.problem(req.response(), error);
    }

    /** One audit event per admin change, with what it changed (never a key, a hash or a secret). */
    void audited(Caller caller, String action, String tenant, Object before, Object after) {
        if (audit == null) {
            return;
        }
        ObjectNode detail = AdminJson.MAPPER.createObjectNode();
        detail.set("before", before == null ? null : AdminJson.MAPPER.valueToTree(before));
        detail.set("after", after == null ? null : AdminJson.MAPPER.valueToTree(after));
        String text = detail.toString();
        if (text.length() > MAX_DETAIL) {
            // Large documents (a CA bundle, inline keys) are committed to by digest: the audit row stays bounded.
            ObjectNode digest = AdminJson.MAPPER.createObjectNode();
            digest.put("beforeSha256", before == null ? null : sha256(detail.get("before").toString()));
            digest.put("afterSha256", after == null ? null : sha256(detail.get("after").toString()));
            text = digest.toString();
        }
        audit.record(new AuditEvent(System.currentTimeMillis(), tenant, caller.principal(), action, "allow", "ok", null,
                caller.source(), text));
    }

    private static final int MAX_DETAIL = 8000;

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
