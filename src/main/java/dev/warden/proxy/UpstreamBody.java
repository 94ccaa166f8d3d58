package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.ModelConfig;
import dev.warden.config.Tenant;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RequestBody;
import dev.warden.pipeline.Operation;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * The body sent upstream. The client's bytes go through untouched unless the gateway must set a
 * value: the model's upstream name, the namespaced end-user id ({@code user} becomes
 * {@code <tenant>:<user>}, so an upstream's per-user state can never mix tenants), the output
 * cap admission reserved for ({@code max_tokens} above it is lowered to it; absent, it is set), and
 * {@code stream_options.include_usage} (so every stream reports the tokens it used). Only then is
 * the body parsed into a tree and re-encoded.
 */
final class UpstreamBody {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The result: the body to send, or a refusal; and whether the client asked for the usage chunk. */
    record Prepared(Buffer body, GatewayError error, boolean clientWantsUsageChunk, boolean streaming) {
    }

    private UpstreamBody() {
    }

    static Prepared prepare(Operation operation, RequestBody request, ModelConfig model, Tenant tenant, CostEstimate estimate) {
        if (request == null) {
            return new Prepared(Buffer.buffer(), null, false, false);
        }
        if (!operation.modelInBody()) {
            return new Prepared(request.raw(), null, false, false);
        }
        // the name the upstream knows the model by (a fallback model replaces the one the client named)
        boolean renameModel = !model.upstreamName().equals(request.model());
        JsonNode user = request.field("user");
        if (user != null && !user.isNull() && (!user.isTextual() || user.textValue().length() > 256)) {
            return refused("'user' must be a string of at most 256 characters.", "user_malformed");
        }
        boolean namespaceUser = user != null && user.isTextual();
        // the output cap admission reserved for: lower a larger request to it, set it when absent
        int cap = estimate == null ? 0 : estimate.outputCap();
        boolean setCap = estimate != null && estimate.capAbsent() && cap > 0;
        boolean clamp = false;
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode mt = request.field(field);
            clamp |= cap > 0 && mt != null && mt.isIntegralNumber() && mt.longValue() > cap;
        }
        JsonNode stream = request.field("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return refused("'stream' must be true or false.", "stream_malformed");
        }
        boolean streaming = stream != null && stream.booleanValue() && operation != Operation.EMBEDDINGS;
        boolean wantsUsage = false;
        if (streaming) {
            JsonNode opts = request.field("stream_options");
            if (opts != null && !opts.isNull() && !opts.isObject()) {
                return refused("'stream_options' must be an object.", "stream_options_malformed");
            }
            JsonNode include = opts == null || opts.isNull() ? null : opts.get("include_usage");
            wantsUsage = include != null && include.isBoolean() && include.booleanValue();
        }
        boolean addUsage = streaming && !wantsUsage;
        if (!renameModel && !namespaceUser && !clamp && !setCap && !addUsage) {
            return new Prepared(request.raw(), null, wantsUsage, streaming);
        }
        ObjectNode body;
        try {
            body = (ObjectNode) MAPPER.readTree(request.raw().getBytes());
        } catch (IOException | ClassCastException e) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
        if (renameModel) {
            body.put("model", model.upstreamName());
        }
        if (namespaceUser) {
            body.put("user", tenant.id() + ":" + user.textValue());
        }
        if (clamp) {
            for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
                JsonNode mt = body.get(field);
                if (mt != null && mt.isIntegralNumber() && mt.longValue() > cap) {
                    body.put(field, cap);
                }
            }
        }
        if (setCap) {
            body.put("max_tokens", cap);
        }
        if (addUsage) {
            JsonNode opts = body.get("stream_options");
            ObjectNode newOpts = opts instanceof ObjectNode o ? o : body.putObject("stream_options");
            newOpts.put("include_usage", true);
        }
        try {
            return new Prepared(Buffer.buffer(MAPPER.writeValueAsBytes(body)), null, wantsUsage, streaming);
        } catch (IOException e) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
    }

    private static Prepared refused(String detail, String reason) {
        return new Prepared(null, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason), false, false);
    }
}
