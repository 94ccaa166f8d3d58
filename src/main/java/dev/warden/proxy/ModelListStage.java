package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Tenant;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.http.JsonAnswer;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * Answers {@code GET /v1/models} locally, in the OpenAI list shape, with exactly the models the
 * caller's tenant and key may use: never another tenant's, never the whole catalogue. And
 * {@code GET /v1/models/{id}}: one of those, or 404 {@code not_found}, the same answer for a model
 * that does not exist and for one the caller may not use.
 */
public final class ModelListStage implements Stage {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String name() {
        return "models";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation op = exchange.request().operation();
        if (op != Operation.LIST_MODELS && op != Operation.MODEL_GET) {
            return Outcome.continueNow();
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        Principal principal = exchange.require(RequestContext.PRINCIPAL);
        long created = exchange.require(RequestContext.SNAPSHOT).compiledAt().getEpochSecond();
        ObjectNode answer;
        if (op == Operation.MODEL_GET) {
            String model = exchange.request().pathModel();
            if (!tenant.models().contains(model) || (principal.models() != null && !principal.models().contains(model))) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.NOT_FOUND, "No such model.", "model_unknown"));
            }
            answer = model(model, created);
        } else {
            answer = MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = answer.putArray("data");
            for (String model : tenant.models()) {
                if (principal.models() == null || principal.models().contains(model)) {
                    data.add(model(model, created));
                }
            }
        }
        return JsonAnswer.send(exchange, 200, answer);
    }

    private static ObjectNode model(String id, long created) {
        return MAPPER.createObjectNode().put("id", id).put("object", "model").put("created", created).put("owned_by", "warden");
    }
}
