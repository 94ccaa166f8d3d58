package dev.warden.crypto;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the key-encryption keys come from, first found wins:
 * <ol>
 *   <li>{@code WARDEN_KEK_FILE}: a file (a mounted secret) of lines {@code <id>:<base64 of 32 bytes>};</li>
 *   <li>{@code WARDEN_KEK}: the same, comma-separated, in the variable itself;</li>
 *   <li>else {@code <dataDir>/kek.secret}, created at random on first start, with a warning: a key
 *       beside the data it protects only guards copies of the store and backups made without it.</li>
 * </ol>
 * The first key is the current one; the others open values sealed before a rotation. A lone
 * base64 key without an id is key {@code k1}.
 */
public final class KeyRing {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);
    public static final String FILE_ENV = "WARDEN_KEK_FILE";
    public static final String VALUE_ENV = "WARDEN_KEK";
    public static final String LOCAL_FILE = "kek.secret";

    private KeyRing() {
    }

    /** The ring for a process whose data directory is {@code dataDir}. */
    public static Envelope load(Function<String, String> env, Path dataDir) throws IOException {
        String file = env.apply(FILE_ENV);
        if (file != null && !file.isBlank()) {
            return parse(Files.readString(Path.of(file)), FILE_ENV + " (" + file + ")");
        }
        String value = env.apply(VALUE_ENV);
        if (value != null && !value.isBlank()) {
            return parse(value, VALUE_ENV);
        }
        Path local = dataDir.resolve(LOCAL_FILE);
        if (!Files.exists(local)) {
            LOG.warn("no key-encryption key set ({} or {}): created {}; keep the key apart from the data in production",
                    FILE_ENV, VALUE_ENV, local);
            create(local);
        }
        return parse(Files.readString(local), local.toString());
    }

    /** {@code <id>:<base64>} entries, by lines or commas; the first is current. */
    public static Envelope parse(String text, String where) throws IOException {
        Map<String, byte[]> ring = new LinkedHashMap<>();
        for (String entry : text.split("[,\\n]")) {
            String e = entry.trim();
            if (e.isEmpty() || e.startsWith("#")) {
                continue;
            }
            int colon = e.indexOf(':');
            String id = colon < 0 ? "k1" : e.substring(0, colon).trim();
            try {
                byte[] key = Base64.getDecoder().decode(e.substring(colon + 1).trim());
                if (ring.putIfAbsent(id, key) != null) {
                    throw new IOException(where + ": key id '" + id + "' appears twice");
                }
            } catch (IllegalArgumentException bad) {
                throw new IOException(where + ": key '" + id + "' is not base64");
            }
        }
        try {
            return new Envelope(ring);
        } catch (IllegalArgumentException bad) {
            throw new IOException(where + ": " + bad.getMessage());
        }
    }

    /** A new random key, as a ring line. */
    public static String newKeyLine(String id) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key);
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".kek", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the directory's permissions protect it
        }
        Files.writeString(tmp, newKeyLine("local-1") + "\n");
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
        }
    }
}
