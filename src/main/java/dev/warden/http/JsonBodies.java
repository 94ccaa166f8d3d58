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
        byte[] bytes = body.getBytes();
        if (!validUtf8(bytes)) {
            return refuse(ErrorCode.INVALID_JSON, "The body is not valid UTF-8.", "json_bad_utf8");
        }
        JsonNode node;
        try {
            node = mapper(maxDepth, maxBytes).readTree(bytes);
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

    /**
     * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no
     * truncated sequence. Nothing is ever folded into another character, so never into another id.
     */
    static boolean validUtf8(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + need >= n) {
                return false;
            }
            int cp = c & (0x3f >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return false;
            }
            i += need + 1;
        }
        return true;
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
