package dev.warden.record;

import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.Locale;

/**
 * Audit on the data plane. On the way in: refuse new requests while the audit writer is saturated
 * (fail closed: nothing is served that could not be audited). On completion: one audit event for
 * every refusal ({@link GatewayError#securityRelevant()}: each 4xx, residency refusals, isolation
 * violations), with its reason code, and one for every call its client abandoned mid-answer
 * ({@code client_gone}, with the tokens billed).
 */
public final class AuditStage implements Stage {
    private final AuditWriter writer;

    public AuditStage(AuditWriter writer) {
        this.writer = writer;
    }

    @Override
    public String name() {
        return "audit";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        if (writer.saturated()) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.AUDIT_UNAVAILABLE,
                    "The gateway cannot record audit events right now; retry shortly.", "audit_saturated"));
        }
        return Outcome.continueNow();
    }

    /**
     * A call its client abandoned mid-answer: recorded with what it was billed (the ledger's row
     * says the same; the audit log is the tamper-evident copy). At most {@code limits.maxAbortsPerTenant}
     * a minute per tenant and replica reach here before the tenant is refused.
     */
    private void abandoned(Exchange exchange, Completion completion) {
        Principal principal = exchange.get(RequestContext.PRINCIPAL);
        writer.record(new AuditEvent(System.currentTimeMillis(), exchange.verifiedTenant(),
                principal == null ? null : principal.subject(),
                "data." + exchange.request().operation().name().toLowerCase(Locale.ROOT), "allow", "client_gone",
                exchange.requestId(), exchange.request().remoteAddress(),
                "{\"inputTokens\":" + completion.usage().inputTokens() + ",\"outputTokens\":" + completion.usage().outputTokens() + "}"));
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        GatewayError error = completion.error();
        if (error == null && exchange.clientGone() && exchange.verifiedTenant() != null) {
            abandoned(exchange, completion);
            return;
        }
        if (error == null || !error.securityRelevant()) {
            return;
        }
        Principal principal = exchange.get(RequestContext.PRINCIPAL);
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        String detail = error.code() == ErrorCode.ISOLATION_VIOLATION && route != null
                ? "{\"upstream\":\"" + route.upstream().authority() + "\"}" : null;
        writer.record(new AuditEvent(System.currentTimeMillis(), exchange.verifiedTenant(),
                principal == null ? null : principal.subject(),
                "data." + exchange.request().operation().name().toLowerCase(Locale.ROOT), "deny",
                error.code().code() + ":" + error.reason(), exchange.requestId(), exchange.request().remoteAddress(), detail));
    }
}
