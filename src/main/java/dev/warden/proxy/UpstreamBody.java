package dev.warden.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.ModelConfig;
import dev.warden.config.Tenant;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import dev.warden.pipeline.Operation;
import io.vertx.core.buffer.Buffer;

/**
 * The body sent upstream. The client's bytes go through untouched unless the gateway must set a
 * value: the model's upstream name, the namespaced end-user id ({@code user} becomes
 * {@code <tenant>:<user>}, so an upstream's per-user state can never mix tenants), a
 * {@code max_tokens} above the tier's or model's cap (lowered to the cap), and
 * {@code stream_options.include_usage} (so every stream reports the tokens it used).
 */
final class UpstreamBody {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The result: the body to send, or a refusal; and whether the client asked for the usage chunk. */
    record Prepared(Buffer body, GatewayError error, boolean clientWantsUsageChunk, boolean streaming) {
    }

    private UpstreamBody() {
    }

    static Prepared prepare(Operation operation, Buffer original, ObjectNode json, ModelConfig model, Tenant tenant) {
        if (json == null || !operation.modelInBody()) {
            return new Prepared(original == null ? Buffer.buffer() : original, null, false, false);
        }
        boolean changed = false;
        ObjectNode body = json;
        if (!model.upstreamName().equals(model.name())) {
            body = copyOnce(body, json);
            body.put("model", model.upstreamName());
            changed = true;
        }
        JsonNode user = json.get("user");
        if (user != null && !user.isNull()) {
            if (!user.isTextual() || user.textValue().length() > 256) {
                return refused("'user' must be a string of at most 256 characters.", "user_malformed");
            }
            body = copyOnce(body, json);
            body.put("user", tenant.id() + ":" + user.textValue());
            changed = true;
        }
        int cap = model.maxOutputTokens();
        if (tenant.tier() != null && tenant.tier().maxOutputTokens() > 0) {
            cap = Math.min(cap, tenant.tier().maxOutputTokens());
        }
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode mt = json.get(field);
            if (mt == null || mt.isNull()) {
                continue;
            }
            if (!mt.isIntegralNumber() || !mt.canConvertToLong() || mt.longValue() < 1) {
                return refused("'" + field + "' must be a positive integer.", "max_tokens_malformed");
            }
            if (mt.longValue() > cap) {
                body = copyOnce(body, json);
                body.put(field, cap);
                changed = true;
            }
        }
        boolean streaming = false;
        boolean wantsUsage = false;
        JsonNode stream = json.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return refused("'stream' must be true or false.", "stream_malformed");
        }
        if (stream != null && stream.booleanValue() && operation != Operation.EMBEDDINGS) {
            streaming = true;
            JsonNode opts = json.get("stream_options");
            if (opts != null && !opts.isNull() && !opts.isObject()) {
                return refused("'stream_options' must be an object.", "stream_options_malformed");
            }
            JsonNode include = opts == null || opts.isNull() ? null : opts.get("include_usage");
            wantsUsage = include != null && include.isBoolean() && include.booleanValue();
            if (!wantsUsage) {
                body = copyOnce(body, json);
                ObjectNode newOpts = body.putObject("stream_options");
                if (opts != null && opts.isObject()) {
                    newOpts.setAll((ObjectNode) opts);
                }
                newOpts.put("include_usage", true);
                changed = true;
            }
        }
        if (!changed) {
            return new Prepared(original, null, wantsUsage, streaming);
        }
        try {
            return new Prepared(Buffer.buffer(MAPPER.writeValueAsBytes(body)), null, wantsUsage, streaming);
        } catch (JsonProcessingException e) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
    }

    private static ObjectNode copyOnce(ObjectNode current, ObjectNode original) {
        return current == original ? original.deepCopy() : current;
    }

    private static Prepared refused(String detail, String reason) {
        return new Prepared(null, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason), false, false);
    }
}
