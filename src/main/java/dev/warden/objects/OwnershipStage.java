package dev.warden.objects;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.ObjectOwners;
import dev.warden.store.OwnedObject;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored objects belong to one tenant. A response the Responses API stores is recorded as its
 * tenant's when it is created (with the upstream that holds it); {@code GET} and
 * {@code DELETE /v1/responses/{id}}, and a new response that names it as
 * {@code previous_response_id}, reach it only for that tenant, and only on that upstream
 * ({@link RequestContext#PINNED_UPSTREAM}). Another tenant's id answers exactly like an unknown one:
 * the same 404, after the same one lookup.
 */
public final class OwnershipStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(OwnershipStage.class);
    /** Created here moments ago: found before the store has it (the same replica's next call). */
    private static final long RECENT_MS = 60_000;
    private static final int RECENT_MAX = 10_000;
    private static final Key<Boolean> STORES = Key.of("storesResponse");

    private final Vertx vertx;
    private final ObjectOwners owners;
    private final Map<String, OwnedObject> recent;

    public OwnershipStage(Vertx vertx, ObjectRegistry registry) {
        this.vertx = vertx;
        this.owners = registry.owners();
        this.recent = registry.recent();
    }

    @Override
    public String name() {
        return "objects";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation op = exchange.request().operation();
        String id;
        if (op.stored()) {
            id = exchange.request().pathId();
        } else if (op == Operation.RESPONSES) {
            RequestBody body = exchange.get(RequestContext.BODY);
            JsonNode stored = body == null ? null : body.field("store");
            exchange.put(STORES, stored == null || stored.isNull() || stored.asBoolean(true));
            JsonNode previous = body == null ? null : body.field("previous_response_id");
            if (previous == null || previous.isNull()) {
                return Outcome.continueNow();
            }
            if (!previous.isTextual() || !dev.warden.config.Ids.isObjectId(previous.textValue())) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_REQUEST, "'previous_response_id' must be a response id.",
                        "previous_response_malformed"));
            }
            id = previous.textValue();
        } else {
            return Outcome.continueNow();
        }
        String tenant = exchange.verifiedTenant();
        return find(id).map(found -> {
            if (found.isEmpty() || !found.get().tenant().equals(tenant)) {
                return Outcome.reject(GatewayError.of(ErrorCode.NOT_FOUND, "No such response.", "response_unknown"));
            }
            exchange.put(RequestContext.PINNED_UPSTREAM, found.get().upstreamUrl());
            if (op.stored()) {
                exchange.put(RequestContext.MODEL, found.get().model()); // a call about it is routed by the model that made it
            }
            return Outcome.CONTINUE;
        });
    }

    /** The store is always asked (one lookup, whoever owns it: no timing tells), then this process's recent ones. */
    private Future<Optional<OwnedObject>> find(String id) {
        return vertx.executeBlocking(() -> owners.find(OwnedObject.RESPONSE, id), false)
                .map(stored -> stored.isPresent() ? stored : Optional.ofNullable(recent.get(id)));
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        Operation op = exchange.request().operation();
        int status = completion.status();
        if (status < 200 || status >= 300) {
            return;
        }
        if (op == Operation.RESPONSE_DELETE) {
            String id = exchange.request().pathId();
            String tenant = exchange.verifiedTenant();
            recent.remove(id);
            vertx.executeBlocking(() -> {
                owners.forget(OwnedObject.RESPONSE, id, tenant);
                return null;
            }, false).onFailure(e -> LOG.warn("response {} deleted upstream, its owner not forgotten: {}", id, e.getMessage()));
            return;
        }
        String id = exchange.get(RequestContext.RESPONSE_OBJECT_ID);
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        if (op != Operation.RESPONSES || id == null || route == null || !Boolean.TRUE.equals(exchange.get(STORES))) {
            return;
        }
        OwnedObject owned = new OwnedObject(OwnedObject.RESPONSE, id, exchange.verifiedTenant(), route.upstream().url(),
                route.upstream().region(), route.model().name(), System.currentTimeMillis());
        if (recent.size() < RECENT_MAX) {
            recent.putIfAbsent(id, owned);
            vertx.setTimer(RECENT_MS, t -> recent.remove(id, owned));
        }
        vertx.executeBlocking(() -> owners.record(owned), false).onComplete(ar -> {
            if (ar.failed()) {
                LOG.error("response {} of {} could not be recorded as its own: {}", id, owned.tenant(), ar.cause().getMessage());
            } else if (!ar.result()) {
                LOG.warn("response id {} is already another tenant's: not recorded for {}", id, owned.tenant());
                recent.remove(id, owned);
            }
        });
    }
}
