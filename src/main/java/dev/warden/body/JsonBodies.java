package dev.warden.body;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.exchange.RequestBody;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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

    /** The checked body, or the refusal. */
    record Parsed(RequestBody body, GatewayError error) {
    }

    /**
     * One streaming pass: validates the whole body (syntax, depth, duplicates, lengths), refuses
     * reserved fields, and reads only the fields the gateway acts on. No tree is built.
     */
    static Parsed parse(Buffer body, int maxDepth, int maxBytes) {
        if (body.length() == 0) {
            return refuse(ErrorCode.INVALID_JSON, "The body is empty; a JSON object is required.", "json_empty");
        }
        byte[] bytes = body.getBytes();
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf) {
            return refuse(ErrorCode.INVALID_JSON, "The body must not start with a byte-order mark.", "json_bom");
        }
        if (!validUtf8(bytes)) {
            return refuse(ErrorCode.INVALID_JSON, "The body is not valid UTF-8.", "json_bad_utf8");
        }
        Map<String, JsonNode> fields = new HashMap<>(8);
        try (JsonParser p = mapper(maxDepth, maxBytes).createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                p.skipChildren();
                return refuse(ErrorCode.INVALID_JSON, "The body must be a JSON object.", "json_not_object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (RESERVED.contains(name)) {
                    return reserved(name);
                }
                JsonToken value = p.nextToken();
                if (name.equals("metadata") && value == JsonToken.START_OBJECT) { // checked first: read, but never with a tenant in it
                    JsonNode metadata = p.readValueAsTree();
                    for (String key : (Iterable<String>) metadata::fieldNames) {
                        if (key.toLowerCase(Locale.ROOT).startsWith("tenant") || RESERVED.contains(key)) {
                            return reserved("metadata." + key);
                        }
                    }
                    fields.put(name, metadata);
                } else if (RequestBody.READ_FIELDS.contains(name)) {
                    fields.put(name, p.readValueAsTree());
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                return refuse(ErrorCode.INVALID_JSON, "The body must be exactly one JSON object.", "json_trailing");
            }
        } catch (IOException | RuntimeException e) {
            return refuse(ErrorCode.INVALID_JSON, "The body is not valid JSON within the gateway's limits.", "json_invalid");
        }
        return new Parsed(new RequestBody(body, fields), null);
    }

    private static Parsed reserved(String field) {
        return refuse(ErrorCode.RESERVED_FIELD, "The field '" + field + "' is set by the gateway, not the client.", "reserved_field");
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
