package dev.warden.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.Warden;
import dev.warden.admin.AdminToken;
import dev.warden.crypto.KeyHasher;
import dev.warden.crypto.KeyRing;
import dev.warden.crypto.SecretFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warden secrets init}: the sealed secrets every replica shares, written for a Kubernetes
 * Secret, opened with the KEK they were sealed under, and never under a key made up on the spot.
 */
class SecretsInitTest {
    private record Run(int exit, String output) {
    }

    private static Run init(Path dataDir, Map<String, String> env) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Warden.class.getName(),
                "secrets", "init", "--data-dir", dataDir.toString()).redirectErrorStream(true);
        pb.environment().remove("WARDEN_KEK");
        pb.environment().remove("WARDEN_KEK_FILE");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void writesTheSharedSecretsSealedUnderTheGivenKeyAndKeepsThemOnASecondRun(@TempDir Path dir) throws Exception {
        String ring = KeyRing.newKeyLine("k1");
        Path kek = Files.writeString(dir.resolve("kek.ring"), ring + "\n");
        Path shared = dir.resolve("shared");
        Run first = init(shared, Map.of("WARDEN_KEK_FILE", kek.toString()));
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("created " + shared.resolve("keyhash.secret"), "created " + shared.resolve("audit.secret"));
        Matcher token = Pattern.compile("(wda_\\S+)").matcher(first.output());
        assertThat(token.find()).as("the admin token is shown once").isTrue();
        try (var files = Files.list(shared)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("keyhash.secret", "audit.secret", "admin-token.hash");
        }

        // what a replica with the same KEK reads: the hashing secret, and a verifier of the token
        var envelope = KeyRing.parse(ring, "test");
        KeyHasher hasher = new KeyHasher(SecretFiles.read(shared.resolve("keyhash.secret"), envelope));
        assertThat(AdminToken.loadOrIssue(hasher, shared.resolve("admin-token.hash")).verifier().accepts("Bearer " + token.group(1))).isTrue();
        assertThat(SecretFiles.read(shared.resolve("audit.secret"), envelope)).hasSize(32);

        byte[] before = Files.readAllBytes(shared.resolve("keyhash.secret"));
        Run second = init(shared, Map.of("WARDEN_KEK_FILE", kek.toString()));
        assertThat(second.exit()).isZero();
        assertThat(second.output()).contains("kept    " + shared.resolve("keyhash.secret")).doesNotContain("wda_");
        assertThat(Files.readAllBytes(shared.resolve("keyhash.secret"))).isEqualTo(before);
    }

    @Test
    void refusesWithoutAKeyEncryptionKey(@TempDir Path dir) throws Exception {
        Run r = init(dir.resolve("shared"), Map.of());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.output()).contains("set WARDEN_KEK_FILE");
        assertThat(dir.resolve("shared")).doesNotExist();
        assertThat(List.of(dir.toFile().list())).isEmpty();
    }
}
