package dev.warden.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The demo's provider keys: every {@code secretFile} a pool's or an upstream's credential names in
 * the demo config gets a fresh random key at each start (nothing secret is in the repository). The
 * demo's simulated providers read the same files, so they want exactly the keys Warden presents;
 * rewriting a file rotates the key on both sides. Files are only ever written inside the data
 * directory.
 */
final class DemoSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DemoSecrets() {
    }

    static void generate(Path configFile, Path dataDir) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(configFile.toFile());
        Path base = configFile.toAbsolutePath().getParent();
        Path data = dataDir.toAbsolutePath().normalize();
        if (root == null) {
            return;
        }
        for (JsonNode pool : root.path("pools")) {
            write(pool.path("credential"), base, data);
            for (JsonNode upstream : pool.path("upstreams")) {
                write(upstream.path("credential"), base, data);
            }
        }
    }

    private static void write(JsonNode credential, Path base, Path data) throws IOException {
        if (!credential.path("secretFile").isTextual()) {
            return;
        }
        Path file = base.resolve(credential.path("secretFile").asText()).toAbsolutePath().normalize();
        if (!file.startsWith(data)) {
            throw new IOException("the demo writes its providers' keys into its data directory, and " + file + " (named by the config) is"
                    + " outside " + data + ": keep the default data directory, or pass --config with a config whose key files are under"
                    + " --data-dir");
        }
        byte[] key = new byte[24];
        RANDOM.nextBytes(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "demo-" + Base64.getUrlEncoder().withoutPadding().encodeToString(key) + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // non-POSIX file system
        }
    }
}
