package dev.warden.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A request body that was checked to be one strict JSON object, with the few top-level fields the
 * gateway acts on ({@code model}, {@code user}, {@code max_tokens}, {@code max_completion_tokens},
 * {@code n}, {@code stream}, {@code stream_options}, {@code temperature} (the cache), and what admission
 * tokenizes: {@code messages}, {@code system}, {@code prompt}, {@code input}, {@code tools}; and a predict
 * call's batch: {@code instances}, {@code inputs}; the Responses API's {@code max_output_tokens},
 * {@code instructions}, {@code previous_response_id}, {@code store}; a batch's {@code input_file_id},
 * {@code endpoint}, {@code completion_window}, {@code metadata}) already read in the one validating pass. The rest
 * stays as bytes: a whole body is parsed into a tree only if the gateway has to change it.
 */
public record RequestBody(Buffer raw, Map<String, JsonNode> fields) {
    public RequestBody {
        Objects.requireNonNull(raw, "raw");
        fields = Map.copyOf(fields);
    }

    /** The top-level fields read eagerly; only these. */
    public static final Set<String> READ_FIELDS =
            Set.of("model", "user", "max_tokens", "max_completion_tokens", "n", "stream", "stream_options",
                    "messages", "prompt", "input", "tools", "best_of", "stop", "temperature", "system", "instances", "inputs",
                    "max_output_tokens", "instructions", "previous_response_id", "store",
                    "input_file_id", "endpoint", "completion_window", "metadata");

    /** A body the gateway built itself (a translation): its bytes and its fields, from the tree. */
    public static RequestBody of(ObjectNode tree) {
        Map<String, JsonNode> fields = new HashMap<>();
        for (String f : READ_FIELDS) {
            if (tree.has(f)) {
                fields.put(f, tree.get(f));
            }
        }
        return new RequestBody(Buffer.buffer(tree.toString()), fields);
    }

    public JsonNode field(String name) {
        return fields.get(name);
    }

    /** The {@code model} when it is a non-empty string, else null. */
    public String model() {
        JsonNode m = fields.get("model");
        return m != null && m.isTextual() && !m.textValue().isEmpty() ? m.textValue() : null;
    }
}
