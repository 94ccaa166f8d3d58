package dev.warden.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashes (HMAC-SHA256) of API keys and tokens. A stolen table of hashes is useless without
 * the hashing secret, which lives in its own file ({@code data/keyhash.secret}, mode 0600, sealed
 * with the key-encryption key).
 * Comparisons are constant-time. Lives in {@code config} because compiling a snapshot hashes the
 * keys a file declares in plain.
 */
public final class KeyHasher {
    public static final String PREFIX = "hmac-sha256:";
    private static final HexFormat HEX = HexFormat.of();

    private final SecretKeySpec secret;
    private final ThreadLocal<Mac> macs;

    public KeyHasher(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("secret: " + secret.length + " bytes (expected: >= 32)");
        }
        this.secret = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /**
     * Reads the hashing secret, creating it (random, sealed with the key ring of the file's directory,
     * owner-only) on first use.
     */
    public static KeyHasher fromFile(Path file) throws IOException {
        return new KeyHasher(secretFile(file));
    }

    /** Reads a 32-byte secret file of the data directory ({@link SecretFiles}), creating it if absent. */
    public static byte[] secretFile(Path file) throws IOException {
        return SecretFiles.read(file, KeyRing.load(System::getenv, file.toAbsolutePath().getParent()));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public byte[] hash(String key) {
        Mac mac = macs.get();
        return mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
    }

    /** Constant-time: the time taken does not depend on where the hashes differ. */
    public boolean matches(String key, byte[] expected) {
        return MessageDigest.isEqual(hash(key), expected);
    }

    public String hashText(String key) {
        return PREFIX + HEX.formatHex(hash(key));
    }

    public static boolean isHashText(String text) {
        if (text == null || !text.startsWith(PREFIX) || text.length() != PREFIX.length() + 64) {
            return false;
        }
        for (int i = PREFIX.length(); i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public static byte[] parseHashText(String text) {
        if (!isHashText(text)) {
            throw new IllegalArgumentException("hash: not " + PREFIX + "<64 hex digits>");
        }
        return HEX.parseHex(text.substring(PREFIX.length()));
    }

    @Override
    public String toString() {
        return "KeyHasher[secret=<redacted>]";
    }
}
