package dev.warden.crypto;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Warden's own secret files in its data directory (the key-hashing secret, the audit chain's
 * secret): 32 random bytes, sealed with the key ring ({@link Envelope}, bound to the file's name),
 * owner-only. A file written by an older Warden in plain base64 is read once and sealed in place.
 * Without the key that sealed it, a file does not open: Warden refuses to start, naming the key.
 */
public final class SecretFiles {
    private SecretFiles() {
    }

    /** The secret in {@code file}, creating it (random, sealed) if absent. */
    public static byte[] read(Path file, Envelope ring) throws IOException {
        String aad = aad(file);
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            write(file, ring.seal(fresh, aad), false);
        }
        String text = Files.readString(file).trim();
        if (!Envelope.isSealed(text)) { // an older Warden's plain file: sealed now
            byte[] plain;
            try {
                plain = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": not a secret file");
            }
            write(file, ring.seal(plain, aad), true);
            return plain;
        }
        try {
            return ring.open(text, aad);
        } catch (Envelope.SealedException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** Re-wraps the file's data key under the ring's current key; true if it changed. */
    public static boolean rewrap(Path file, Envelope ring) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        String text = Files.readString(file).trim();
        if (!Envelope.isSealed(text)) {
            read(file, ring); // seals it
            return true;
        }
        try {
            String now = ring.rewrap(text, aad(file));
            if (now.equals(text)) {
                return false;
            }
            write(file, now, true);
            return true;
        } catch (Envelope.SealedException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    private static String aad(Path file) {
        return "file|" + file.getFileName();
    }

    private static void write(Path file, String content, boolean replace) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".secret", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the directory's permissions protect it
        }
        Files.writeString(tmp, content + "\n");
        try {
            if (replace) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
        }
    }
}
