package dev.warden.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The shape of a Warden API key: {@code wdn_<id>_<secret>}. The id (4..32 of {@code [a-z0-9]})
 * finds the stored hash without a scan and shows in logs and listings; the secret is 32 random
 * bytes, base64url. Only a keyed hash of the whole key is ever stored.
 */
public final class ApiKeyFormat {
    public static final String PREFIX = "wdn_";
    public static final String SHAPE = "wdn_<id>_<43 base64url characters>";
    private static final int SECRET_CHARS = 43;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ApiKeyFormat() {
    }

    /** A fresh random key with a fresh random id. */
    public static String generate() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + new String(id) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The id inside a well-formed key, or null if the text is not shaped like a key. */
    public static String keyId(String key) {
        if (key == null || key.length() > 128 || !key.startsWith(PREFIX)) {
            return null;
        }
        int sep = key.indexOf('_', PREFIX.length());
        if (sep < 0) {
            return null;
        }
        String id = key.substring(PREFIX.length(), sep);
        if (!isKeyId(id) || key.length() - sep - 1 != SECRET_CHARS) {
            return null;
        }
        for (int i = sep + 1; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return null;
            }
        }
        return id;
    }

    /** Key ids: 4..32 of {@code [a-z0-9]}. */
    public static boolean isKeyId(String id) {
        if (id.length() < 4 || id.length() > 32) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }
}
