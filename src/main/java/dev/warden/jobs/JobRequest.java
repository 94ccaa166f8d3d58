package dev.warden.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.exchange.RequestBody;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/tenants/{t}/jobs}: {@code model}, {@code kind}
 * ({@code training} or {@code batch}) and optional {@code params} (an object handed to the job
 * service as it is). Any other field is refused: a typo must not silently start a different job.
 */
record JobRequest(String model, String kind, ObjectNode params, GatewayError error) {
    static final Set<String> KINDS = Set.of("training", "batch");
    private static final Set<String> FIELDS = Set.of("model", "kind", "params");

    static JobRequest parse(RequestBody body) {
        JsonNode root;
        try {
            root = JobView.MAPPER.readTree(body.raw().getBytes());
        } catch (IOException e) {
            return refuse("The body must be a JSON object.", "job_body_invalid");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                return refuse("Unknown field '" + safe(name) + "' (expected: model, kind, params).", "job_field_unknown");
            }
        }
        JsonNode kind = root.get("kind");
        if (kind == null || !kind.isTextual() || !KINDS.contains(kind.textValue())) {
            return refuse("'kind' must be \"training\" or \"batch\".", "job_kind_invalid");
        }
        JsonNode params = root.get("params");
        if (params != null && !params.isObject()) {
            return refuse("'params' must be a JSON object.", "job_params_invalid");
        }
        return new JobRequest(body.model(), kind.textValue(),
                params == null ? JobView.MAPPER.createObjectNode() : (ObjectNode) params, null);
    }

    private static JobRequest refuse(String detail, String reason) {
        return new JobRequest(null, null, null, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason));
    }

    /** A field name echoed in an error: short, printable ASCII only. */
    private static String safe(String name) {
        String s = name.length() > 40 ? name.substring(0, 40) : name;
        return s.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
