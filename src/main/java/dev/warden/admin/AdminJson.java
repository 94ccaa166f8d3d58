package dev.warden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Tenant;
import dev.warden.problem.GatewayError;
import dev.warden.problem.ProblemJson;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.util.Locale;

/** Reading and writing admin-API JSON: bounded, strict bodies in; JSON or problem+json out. */
final class AdminJson {
    static final ObjectMapper MAPPER;
    static final int MAX_BODY = 64 * 1024;

    static {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(MAX_BODY).build())
                .build();
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        MAPPER = new ObjectMapper(f);
    }

    private AdminJson() {
    }

    /** The body as a JSON object (an empty object when there is no body); fails with a message. */
    static Future<JsonNode> body(HttpServerRequest req) {
        Promise<JsonNode> promise = Promise.promise();
        Buffer buf = Buffer.buffer();
        boolean[] over = {false};
        req.handler(chunk -> {
            if (!over[0] && buf.length() + chunk.length() > MAX_BODY) {
                over[0] = true;
                promise.tryFail("the body is larger than " + MAX_BODY + " bytes");
            } else if (!over[0]) {
                buf.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(e -> promise.tryFail("the body could not be read"));
        req.endHandler(v -> {
            if (over[0]) {
                return;
            }
            if (buf.length() == 0) {
                promise.tryComplete(MAPPER.createObjectNode());
                return;
            }
            try {
                JsonNode node = MAPPER.readTree(buf.getBytes());
                if (node == null || !node.isObject()) {
                    promise.tryFail("the body must be a JSON object");
                } else {
                    promise.tryComplete(node);
                }
            } catch (IOException e) {
                promise.tryFail("the body is not valid JSON");
            }
        });
        req.resume();
        return promise.future();
    }

    /** A tenant of the snapshot as the admin API shows it (no keys, no hashes). */
    static ObjectNode tenant(Tenant t, String source) {
        ObjectNode n = MAPPER.createObjectNode().put("id", t.id()).put("tier", t.tier().name())
                .put("status", t.status().name().toLowerCase(Locale.ROOT)).put("source", source);
        ArrayNode regions = n.putArray("regions");
        if (t.anyRegion()) {
            regions.add("*");
        } else {
            t.regions().stream().sorted().forEach(regions::add);
        }
        t.models().forEach(n.putArray("models")::add);
        return n;
    }

    static void send(HttpServerResponse res, int status, Object body) {
        try {
            res.setStatusCode(status).putHeader("Content-Type", "application/json").end(MAPPER.writeValueAsString(body));
        } catch (IOException e) {
            res.setStatusCode(500).end();
        }
    }

    static void problem(HttpServerResponse res, GatewayError error) {
        if (res.ended()) {
            return;
        }
        if (error.challenge() != null) {
            res.putHeader("WWW-Authenticate", error.challenge());
        }
        res.setStatusCode(error.status()).putHeader("Content-Type", ProblemJson.CONTENT_TYPE).end(ProblemJson.body(error));
    }
}
