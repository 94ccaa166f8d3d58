package dev.warden.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;

/**
 * The JOSE header and the claims of a compact token, read strictly before anything else looks at
 * them: each must be one JSON object, without duplicate member names at any depth (a JSON parser
 * that keeps the last of two {@code "sub"} or {@code "alg"} would let a token say two things).
 */
public final class StrictJson {
    private static final JsonFactory FACTORY;
    private static final ObjectMapper MAPPER;

    static {
        FACTORY = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
                .build();
        FACTORY.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        MAPPER = new ObjectMapper(FACTORY);
    }

    private StrictJson() {
    }

    /**
     * Whether the token is three base64url parts (RFC 7515 section 7.1: no padding, no '+' or '/')
     * and the first two decode to JSON objects without duplicate names.
     */
    public static boolean compactPartsAreObjects(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1) {
            return false;
        }
        return isObject(token.substring(0, first)) && isObject(token.substring(first + 1, second));
    }

    /**
     * The claims of a compact token that {@link #compactPartsAreObjects} accepts, as read strictly
     * (for {@link ClaimTypes}: the types as the issuer wrote them, before any library reads them); null otherwise.
     */
    public static JsonNode claimsOf(String token) {
        if (!compactPartsAreObjects(token)) {
            return null;
        }
        int first = token.indexOf('.');
        try {
            return MAPPER.readTree(Base64.getUrlDecoder().decode(token.substring(first + 1, token.indexOf('.', first + 1))));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isObject(String part) {
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
