package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Tenant;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.http.SecurityHeaders;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers {@code GET /v1/models} locally, in the OpenAI list shape, with exactly the models the
 * caller's tenant and key may use: never another tenant's, never the whole catalogue.
 */
public final class ModelListStage implements Stage {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String name() {
        return "models";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        if (exchange.request().operation() != Operation.LIST_MODELS) {
            return Outcome.continueNow();
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        Principal principal = exchange.require(RequestContext.PRINCIPAL);
        long created = exchange.require(RequestContext.SNAPSHOT).compiledAt().getEpochSecond();
        ObjectNode list = MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (String model : tenant.models()) {
            if (principal.models() == null || principal.models().contains(model)) {
                data.addObject().put("id", model).put("object", "model").put("created", created).put("owned_by", "warden");
            }
        }
        HttpServerResponse response = exchange.request().http().response();
        SecurityHeaders.apply(response.headers(), exchange);
        response.putHeader("Content-Type", "application/json");
        response.setStatusCode(200);
        exchange.responseStatus(200);
        return Future.succeededFuture(new Outcome.Respond(new Outcome.Reply.Sent(response.end(list.toString()))));
    }
}
