package dev.warden.admin;

import dev.warden.crypto.KeyHasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The bootstrap admin token: generated at first start, shown once, kept only as a keyed hash
 * ({@code data/admin-token.hash}), checked in constant time. There is no default token.
 */
public final class AdminToken {
    public static final String PREFIX = "wda_";
    private final KeyHasher hasher;
    private final byte[] hash;

    private AdminToken(KeyHasher hasher, byte[] hash) {
        this.hasher = hasher;
        this.hash = hash;
    }

    /** A fresh token: returns the verifier and the token text (to show once). */
    public static Issued issue(KeyHasher hasher) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(new AdminToken(hasher, hasher.hash(token)), token);
    }

    /**
     * Loads the stored hash, or issues a token and stores its hash if there is none yet. The
     * returned {@code token} is null when it was loaded (it cannot be shown again).
     */
    public static Issued loadOrIssue(KeyHasher hasher, Path hashFile) throws IOException {
        if (Files.exists(hashFile)) {
            return new Issued(new AdminToken(hasher, KeyHasher.parseHashText(Files.readString(hashFile).trim())), null);
        }
        Issued fresh = issue(hasher);
        Files.createDirectories(hashFile.toAbsolutePath().getParent());
        Files.writeString(hashFile, KeyHasher.PREFIX + HexFormat.of().formatHex(fresh.verifier().hash) + "\n");
        return fresh;
    }

    /** Checks an {@code Authorization} header value. */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() < 8 || authorization.length() > 256
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            hasher.matches("wda_none", hash); // same work on every path
            return false;
        }
        return hasher.matches(authorization.substring(7).strip(), hash);
    }

    /** A verifier plus, when just issued, the token to show once. */
    public record Issued(AdminToken verifier, String token) {
        @Override
        public String toString() {
            return "Issued[token=<redacted>]";
        }
    }
}
