package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.ModelConfig;
import dev.warden.config.ProviderKind;
import dev.warden.config.Tenant;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RequestBody;
import dev.warden.pipeline.Operation;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.provider.Translated;
import dev.warden.provider.anthropic.ChatToMessages;
import dev.warden.provider.anthropic.MessagesToChat;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * The body sent upstream. For the same API on both sides the client's bytes go through untouched
 * unless the gateway must set a value: the model's upstream name, the namespaced end-user id
 * ({@code user} becomes {@code <tenant>:<user>}, so an upstream's per-user state can never mix
 * tenants), the output cap admission reserved for ({@code max_tokens} above it is lowered to it;
 * absent, it is set; in the field the model takes), and {@code stream_options.include_usage} (so
 * every stream reports the tokens it used). Only then is the body parsed into a tree and
 * re-encoded. Across APIs ({@link Translation}) the body is translated, with the same values set.
 */
final class UpstreamBody {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The result: the body to send, or a refusal; whether the client asked for the usage chunk; the
     * translation; the client's fields dropped by it; the model the client named.
     */
    record Prepared(Buffer body, GatewayError error, boolean clientWantsUsageChunk, boolean streaming, Translation translation,
                    List<String> dropped, String clientModel) {
        Prepared(Buffer body, GatewayError error, boolean clientWantsUsageChunk, boolean streaming) {
            this(body, error, clientWantsUsageChunk, streaming, Translation.NONE, List.of(), null);
        }

        Prepared translated(Translation t, List<String> droppedFields, String model) {
            return new Prepared(body, error, clientWantsUsageChunk, streaming, t, droppedFields, model);
        }
    }

    private UpstreamBody() {
    }

    static Prepared prepare(Operation operation, RequestBody request, ModelConfig model, ProviderKind provider, Tenant tenant,
                            CostEstimate estimate) {
        if (request == null) {
            return new Prepared(Buffer.buffer(), null, false, false);
        }
        if (!operation.modelInBody()) {
            return new Prepared(request.raw(), null, false, false);
        }
        if (operation.audio()) { // its multipart body is rebuilt by the forwarding stage from the file on disk
            JsonNode stream = request.field("stream");
            return new Prepared(Buffer.buffer(), null, true, stream != null && "true".equals(stream.asText()));
        }
        JsonNode stream = request.field("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return refused("'stream' must be true or false.", "stream_malformed");
        }
        Translation translation = Translation.of(operation, provider);
        return switch (translation) {
            case NONE -> openAi(operation, request, model, tenant, estimate);
            case CHAT_OVER_MESSAGES -> chatOverMessages(request, model, tenant, estimate);
            case MESSAGES_NATIVE -> messagesNative(request, model, tenant, estimate);
            case MESSAGES_OVER_CHAT -> messagesOverChat(request, model, tenant, estimate);
        };
    }

    /** An OpenAI client's chat for an Anthropic model: translated, with the cap admission reserved and the namespaced user. */
    private static Prepared chatOverMessages(RequestBody request, ModelConfig model, Tenant tenant, CostEstimate estimate) {
        ObjectNode tree = tree(request);
        if (tree == null) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
        String user = endUser(request.field("user"), tenant);
        if (user == null && request.field("user") != null && !request.field("user").isNull()) {
            return refused("'user' must be a string of at most 256 characters.", "user_malformed");
        }
        Translated t = ChatToMessages.translate(tree, model.upstreamName(), cap(estimate, model), user);
        if (t.error() != null) {
            return new Prepared(null, t.error(), false, false);
        }
        boolean streaming = tree.path("stream").asBoolean(false);
        boolean wantsUsage = tree.path("stream_options").path("include_usage").asBoolean(false);
        return new Prepared(encode(t.body()), null, wantsUsage, streaming).translated(Translation.CHAT_OVER_MESSAGES, t.dropped(),
                request.model());
    }

    /** An Anthropic client's request for an Anthropic model: the upstream name, the cap, the namespaced user. */
    private static Prepared messagesNative(RequestBody request, ModelConfig model, Tenant tenant, CostEstimate estimate) {
        ObjectNode tree = tree(request);
        if (tree == null) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
        tree.put("model", model.upstreamName());
        tree.put("max_tokens", cap(estimate, model));
        JsonNode user = tree.path("metadata").get("user_id");
        if (user != null && !user.isNull()) {
            String namespaced = endUser(user, tenant);
            if (namespaced == null) {
                return refused("'metadata.user_id' must be a string of at most 256 characters.", "user_malformed");
            }
            ((ObjectNode) tree.get("metadata")).put("user_id", namespaced);
        }
        return new Prepared(encode(tree), null, false, tree.path("stream").asBoolean(false))
                .translated(Translation.MESSAGES_NATIVE, List.of(), request.model());
    }

    /** An Anthropic client's request for an OpenAI-compatible model: translated, then prepared like any chat. */
    private static Prepared messagesOverChat(RequestBody request, ModelConfig model, Tenant tenant, CostEstimate estimate) {
        ObjectNode tree = tree(request);
        if (tree == null) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
        Translated t = MessagesToChat.translate(tree);
        if (t.error() != null) {
            return new Prepared(null, t.error(), false, false);
        }
        Prepared chat = openAi(Operation.CHAT_COMPLETIONS, RequestBody.of(t.body()), model, tenant, estimate);
        return chat.translated(Translation.MESSAGES_OVER_CHAT, t.dropped(), request.model());
    }

    /** OpenAI to an OpenAI-compatible server: the client's bytes, changed only where the gateway must. */
    private static Prepared openAi(Operation operation, RequestBody request, ModelConfig model, Tenant tenant, CostEstimate estimate) {
        // the name the upstream knows the model by (a fallback model replaces the one the client named)
        boolean renameModel = !model.upstreamName().equals(request.model());
        JsonNode user = request.field("user");
        if (user != null && !user.isNull() && (!user.isTextual() || user.textValue().length() > 256)) {
            return refused("'user' must be a string of at most 256 characters.", "user_malformed");
        }
        boolean namespaceUser = user != null && user.isTextual();
        // the output cap admission reserved for: lower a larger request to it, set it when absent
        int cap = estimate == null ? 0 : estimate.outputCap();
        boolean setCap = estimate != null && estimate.capAbsent() && cap > 0 && operation.outputCapFields().length > 0;
        boolean clamp = false;
        String[] capFields = operation.outputCapFields();
        for (String field : capFields) {
            JsonNode mt = request.field(field);
            clamp |= cap > 0 && mt != null && mt.isIntegralNumber() && mt.longValue() > cap;
        }
        boolean responses = operation == Operation.RESPONSES;
        // the cap goes in the field the model takes (reasoning models refuse max_tokens; older servers max_completion_tokens)
        String capField = responses ? capFields[0] : model.maxTokensField() == null ? ModelConfig.MAX_TOKENS : model.maxTokensField();
        String otherField = capField.equals(ModelConfig.MAX_TOKENS) ? ModelConfig.MAX_COMPLETION_TOKENS : ModelConfig.MAX_TOKENS;
        JsonNode other = responses ? null : request.field(otherField);
        boolean moveCap = model.maxTokensField() != null && other != null && !other.isNull(); // unset: the client's field is left alone
        JsonNode stream = request.field("stream");
        boolean streaming = stream != null && stream.booleanValue() && operation != Operation.EMBEDDINGS && operation != Operation.MODERATIONS;
        if (streaming && operation == Operation.IMAGES) {
            return refused("Streamed image generation is not offered; ask without 'stream'.", "stream_unsupported");
        }
        // a response's stream reports its usage in its last event (response.completed), which is the client's too
        boolean wantsUsage = responses;
        if (streaming && !responses && capFields.length > 0) {
            JsonNode opts = request.field("stream_options");
            if (opts != null && !opts.isNull() && !opts.isObject()) {
                return refused("'stream_options' must be an object.", "stream_options_malformed");
            }
            JsonNode include = opts == null || opts.isNull() ? null : opts.get("include_usage");
            wantsUsage = include != null && include.isBoolean() && include.booleanValue();
        }
        boolean addUsage = streaming && !wantsUsage && !responses;
        if (!renameModel && !namespaceUser && !clamp && !setCap && !addUsage && !moveCap) {
            return new Prepared(request.raw(), null, wantsUsage, streaming);
        }
        ObjectNode body = tree(request);
        if (body == null) {
            return refused("The body could not be re-encoded.", "body_reencode_failed");
        }
        if (renameModel) {
            body.put("model", model.upstreamName());
        }
        if (namespaceUser) {
            body.put("user", tenant.id() + ":" + user.textValue());
        }
        if (clamp) {
            for (String field : capFields) {
                JsonNode mt = body.get(field);
                if (mt != null && mt.isIntegralNumber() && mt.longValue() > cap) {
                    body.put(field, cap);
                }
            }
        }
        if (moveCap) {
            JsonNode own = body.get(capField);
            long value = body.remove(otherField).longValue();
            if (own != null && own.isIntegralNumber()) {
                value = Math.min(value, own.longValue());
            }
            body.put(capField, value);
        }
        if (setCap) {
            body.put(capField, cap);
        }
        if (addUsage) {
            JsonNode opts = body.get("stream_options");
            ObjectNode newOpts = opts instanceof ObjectNode o ? o : body.putObject("stream_options");
            newOpts.put("include_usage", true);
        }
        return new Prepared(encode(body), null, wantsUsage, streaming);
    }

    /** The output cap admission reserved for (the model's default if it reserved none). */
    private static int cap(CostEstimate estimate, ModelConfig model) {
        return estimate != null && estimate.outputCap() > 0 ? estimate.outputCap() : model.defaultMaxTokens();
    }

    /** {@code <tenant>:<user>} for a string of at most 256 characters; null for anything else (or nothing). */
    private static String endUser(JsonNode user, Tenant tenant) {
        return user != null && user.isTextual() && user.textValue().length() <= 256 ? tenant.id() + ":" + user.textValue() : null;
    }

    private static ObjectNode tree(RequestBody request) {
        try {
            return (ObjectNode) MAPPER.readTree(request.raw().getBytes());
        } catch (IOException | ClassCastException e) {
            return null;
        }
    }

    /** Straight to UTF-8 bytes (no String in between: this is on every request the gateway changes). */
    private static Buffer encode(ObjectNode body) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("a tree the gateway built could not be written", e);
        }
    }

    private static Prepared refused(String detail, String reason) {
        return new Prepared(null, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason), false, false);
    }
}
