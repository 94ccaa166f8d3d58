package dev.warden.access;

import dev.warden.config.Tenant;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * Authorize: may this principal perform this operation, on this model? The model comes from the
 * path (predict) or the body ({@code model}); it must be in the tenant's allow-list and, when the
 * key has one, in the key's. A model that does not exist and one that is not allowed get the
 * same answer.
 */
public final class AuthorizeStage implements Stage {

    @Override
    public String name() {
        return "authorize";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Principal principal = exchange.require(RequestContext.PRINCIPAL);
        Operation operation = exchange.request().operation();
        if (!Permission.allows(principal.role(), operation)) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.FORBIDDEN,
                    operation.job() ? "This credential's role may not start or cancel jobs." : "This credential's role may not call models.",
                    "role_denied:" + principal.role().id()));
        }
        String operationClass = operation.inference() || operation.stored() ? "models"
                : operation.kind() == Operation.Kind.JOB_WRITE ? "jobs" : null;
        GatewayError stepUp = operationClass == null ? null : StepUp.check(exchange, operationClass);
        if (stepUp != null) {
            return Outcome.rejectNow(stepUp);
        }
        if (!operation.usesModel()) {
            return Outcome.continueNow();
        }
        RequestBody body = exchange.get(RequestContext.BODY);
        String model = operation.modelInBody() ? (body == null ? null : body.model()) : exchange.request().pathModel();
        if (model == null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_REQUEST,
                    "The body must name a model: {\"model\": \"...\"}.", "model_missing"));
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        if (!tenant.models().contains(model) || (principal.models() != null && !principal.models().contains(model))) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.MODEL_NOT_ALLOWED,
                    "This key may not use the requested model.", "model_not_allowed"));
        }
        exchange.put(RequestContext.MODEL, model);
        return Outcome.continueNow();
    }
}
