package dev.warden.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One kept answer: what the client is sent again on a hit (status 200, its content type, the
 * model version and body), the usage the answer reported (a hit is charged a share of its cost),
 * and the region that produced it (a hit names it in {@code X-Upstream-Region}).
 */
public record CachedAnswer(String contentType, String modelVersion, byte[] body, long inputTokens, long outputTokens, long storedAtMs,
                           String region) {
    /** 2: with the region (an entry of version 1, kept before it, is a miss). */
    private static final byte VERSION = 2;

    /** Bytes an entry takes, for the per-tenant size limit (body plus a fixed overhead). */
    public int weight() {
        return body.length + 256;
    }

    /** A compact encoding for Redis: version, numbers, then length-prefixed strings and the body. */
    public byte[] encode() {
        byte[] type = bytes(contentType);
        byte[] version = bytes(modelVersion);
        byte[] where = bytes(region);
        ByteBuffer b = ByteBuffer.allocate(1 + 24 + 16 + type.length + version.length + where.length + body.length);
        b.put(VERSION).putLong(inputTokens).putLong(outputTokens).putLong(storedAtMs);
        b.putInt(type.length).put(type).putInt(version.length).put(version).putInt(where.length).put(where)
                .putInt(body.length).put(body);
        return b.array();
    }

    /** The answer {@link #encode()} wrote, or null for anything else (a foreign or corrupt value is a miss). */
    public static CachedAnswer decode(byte[] raw) {
        try {
            ByteBuffer b = ByteBuffer.wrap(raw);
            if (b.get() != VERSION) {
                return null;
            }
            long in = b.getLong();
            long out = b.getLong();
            long at = b.getLong();
            String type = string(b);
            String version = string(b);
            String where = string(b);
            byte[] body = new byte[b.getInt()];
            b.get(body);
            return b.hasRemaining() ? null : new CachedAnswer(type, version.isEmpty() ? null : version, body, in, out, at, where);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
