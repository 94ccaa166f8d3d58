package dev.warden.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The key of a cached answer: SHA-256 over the verified tenant, the region of the upstream that
 * answers, the model (and the name the upstream knows it by), the operation, the output cap the
 * gateway applies, the client's {@code Accept} and {@code Accept-Encoding}, and the request body in
 * canonical form (object keys sorted, so key order does not matter; every parameter included, so
 * a different seed, temperature, tool, logit bias or user is a different entry). Nothing a client
 * sends can name another tenant's entries: the tenant is the one authentication verified.
 */
public final class CacheKey {
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private CacheKey() {
    }

    public static String of(String tenant, String region, String model, String upstreamModel, String operation, int outputCap,
                            String accept, String acceptEncoding, byte[] body) {
        MessageDigest sha = sha256();
        for (String part : new String[] {tenant, region, model, upstreamModel, operation, Integer.toString(outputCap),
                accept == null ? "" : accept, acceptEncoding == null ? "" : acceptEncoding, canonical(body)}) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII)); // length-prefixed: no ambiguity between parts
            sha.update((byte) ':');
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The body (already checked to be one strict JSON object) with every object's keys sorted. */
    static String canonical(byte[] body) {
        try {
            Object tree = CANONICAL.readValue(body, Object.class); // maps, so the sort applies at every depth
            return CANONICAL.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException("a validated body always parses", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
