package dev.warden.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parses request bodies as strict JSON within bounds: nesting depth, string and number length
 * (Jackson's stream constraints: a hostile body fails fast, in bounded memory), no duplicate
 * names (two {@code model}s would mean one thing here and another upstream), no byte-order mark,
 * valid UTF-8 only, an object at the top, and none of the fields only the gateway may set.
 */
final class JsonBodies {
    private JsonBodies() {
    }

    /** Top-level fields a client must not set: the gateway decides tenant, roles, region and priority. */
    static final Set<String> RESERVED = Set.of("tenant", "tenant_id", "tenantId", "org", "org_id", "organization",
            "roles", "role", "region", "regions", "priority", "principal");

    private static final ConcurrentHashMap<Integer, ObjectMapper> MAPPERS = new ConcurrentHashMap<>();

    /** The parsed object, or the refusal. */
    record Parsed(ObjectNode json, GatewayError error) {
    }

    static Parsed parse(Buffer body, int maxDepth, int maxBytes) {
        if (body.length() == 0) {
            return refuse(ErrorCode.INVALID_JSON, "The body is empty; a JSON object is required.", "json_empty");
        }
        if (body.length() >= 3 && (body.getByte(0) & 0xff) == 0xef && (body.getByte(1) & 0xff) == 0xbb
                && (body.getByte(2) & 0xff) == 0xbf) {
            return refuse(ErrorCode.INVALID_JSON, "The body must not start with a byte-order mark.", "json_bom");
        }
        if (!validUtf8(body.getBytes())) {
            return refuse(ErrorCode.INVALID_JSON, "The body is not valid UTF-8.", "json_bad_utf8");
        }
        JsonNode node;
        try {
            node = mapper(maxDepth, maxBytes).readTree(body.getBytes());
        } catch (IOException | RuntimeException e) {
            return refuse(ErrorCode.INVALID_JSON, "The body is not valid JSON within the gateway's limits.", "json_invalid");
        }
        if (node == null || !node.isObject()) {
            return refuse(ErrorCode.INVALID_JSON, "The body must be a JSON object.", "json_not_object");
        }
        ObjectNode json = (ObjectNode) node;
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (RESERVED.contains(field)) {
                return refuse(ErrorCode.RESERVED_FIELD, "The field '" + field + "' is set by the gateway, not the client.",
                        "reserved_field");
            }
        }
        JsonNode metadata = json.get("metadata");
        if (metadata != null && metadata.isObject()) {
            for (Iterator<String> it = metadata.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (field.toLowerCase(java.util.Locale.ROOT).startsWith("tenant") || RESERVED.contains(field)) {
                    return refuse(ErrorCode.RESERVED_FIELD,
                            "The field 'metadata." + field + "' is set by the gateway, not the client.", "reserved_field");
                }
            }
        }
        return new Parsed(json, null);
    }

    /** Strict UTF-8 (no overlong forms, no lone surrogates): nothing is ever folded into another id. */
    private static boolean validUtf8(byte[] bytes) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static ObjectMapper mapper(int maxDepth, int maxBytes) {
        return MAPPERS.computeIfAbsent(maxDepth * 31 + maxBytes, k -> {
            JsonFactory factory = JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(maxDepth)
                            .maxStringLength(maxBytes)
                            .maxNumberLength(64)
                            .maxNameLength(1024)
                            .build())
                    .build();
            factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            return new ObjectMapper(factory);
        });
    }

    private static Parsed refuse(ErrorCode code, String detail, String reason) {
        return new Parsed(null, GatewayError.of(code, detail, reason));
    }
}
