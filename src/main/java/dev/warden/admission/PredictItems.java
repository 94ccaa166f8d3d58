package dev.warden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.exchange.RequestBody;

/**
 * How many items a predict call asks for, for its per-item cost: the rows of {@code instances}
 * (TensorFlow Serving, KServe v1), else the batch of {@code inputs} (KServe v2 tensors: the
 * largest first dimension of their {@code shape}; a plain list: its length). Anything else is one.
 */
final class PredictItems {
    private PredictItems() {
    }

    static long count(RequestBody body) {
        if (body == null) {
            return 1;
        }
        JsonNode instances = body.field("instances");
        if (instances != null && instances.isArray()) {
            return Math.max(1, instances.size());
        }
        JsonNode inputs = body.field("inputs");
        if (inputs == null || !inputs.isArray()) {
            return 1;
        }
        long batch = 0;
        for (JsonNode tensor : inputs) {
            JsonNode shape = tensor.path("shape");
            if (!tensor.isObject() || !shape.isArray() || shape.isEmpty()) {
                return Math.max(1, inputs.size()); // not tensors: a list of items
            }
            JsonNode first = shape.get(0);
            batch = Math.max(batch, first.canConvertToLong() ? first.longValue() : 1);
        }
        return Math.max(1, batch);
    }
}
