package dev.warden.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.exchange.RequestBody;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/tenants/{t}/jobs}: {@code model}, {@code kind}
 * ({@code training} or {@code batch}), optional {@code params} (an object handed to the job
 * service as it is) and {@code resources}: {@code gpus} (default 1) and {@code maxHours} (the
 * longest it may run, at most six decimals; default 1): its worst case, reserved when it is
 * admitted. Any other field is refused: a typo must not silently start a different job.
 */
record JobRequest(String model, String kind, ObjectNode params, int gpus, long maxMs, GatewayError error) {
    static final Set<String> KINDS = Set.of("training", "batch");
    private static final Set<String> FIELDS = Set.of("model", "kind", "params", "resources");
    private static final long HOUR_MS = 3_600_000L;

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
                return refuse("Unknown field '" + safe(name) + "' (expected: model, kind, params, resources).", "job_field_unknown");
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
        JsonNode resources = root.get("resources");
        int gpus = 1;
        long maxMs = HOUR_MS;
        if (resources != null) {
            if (!resources.isObject()) {
                return refuse("'resources' must be a JSON object: { gpus, maxHours }.", "job_resources_invalid");
            }
            for (Iterator<String> names = resources.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("gpus") && !name.equals("maxHours")) {
                    return refuse("Unknown field 'resources." + safe(name) + "' (expected: gpus, maxHours).", "job_field_unknown");
                }
            }
            JsonNode g = resources.get("gpus");
            if (g != null) {
                if (!g.isIntegralNumber() || !g.canConvertToInt() || g.intValue() < 1) {
                    return refuse("'resources.gpus' must be a positive integer.", "job_resources_invalid");
                }
                gpus = g.intValue();
            }
            JsonNode h = resources.get("maxHours");
            if (h != null) {
                if (!h.isNumber() || h.decimalValue().signum() <= 0 || h.decimalValue().stripTrailingZeros().scale() > 6
                        || h.decimalValue().compareTo(BigDecimal.valueOf(8760)) > 0) {
                    return refuse("'resources.maxHours' must be a number above 0 and at most 8760, with at most six decimals.",
                            "job_resources_invalid");
                }
                maxMs = h.decimalValue().multiply(BigDecimal.valueOf(HOUR_MS)).longValue();
            }
        }
        return new JobRequest(body.model(), kind.textValue(),
                params == null ? JobView.MAPPER.createObjectNode() : (ObjectNode) params, gpus, maxMs, null);
    }

    private static JobRequest refuse(String detail, String reason) {
        return new JobRequest(null, null, null, 0, 0, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason));
    }

    /** A field name echoed in an error: short, printable ASCII only. */
    private static String safe(String name) {
        String s = name.length() > 40 ? name.substring(0, 40) : name;
        return s.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
