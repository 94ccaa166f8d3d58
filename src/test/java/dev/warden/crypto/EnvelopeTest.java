package dev.warden.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envelope encryption: a value opens only in the place it was sealed for and only with its key;
 * rotation re-wraps the data key under the new key, after which the old key can go; secret files
 * are sealed, a plain one from an older Warden is sealed in place, and a file does not open
 * without the key that sealed it.
 */
class EnvelopeTest {
    private static Envelope ring(String... lines) throws Exception {
        return KeyRing.parse(String.join("\n", lines), "test");
    }

    @Test
    void aValueOpensOnlyWhereItWasSealedForAndUnaltered() throws Exception {
        Envelope e = ring(KeyRing.newKeyLine("k1"));
        String sealed = e.seal("the prompt", "payload|acme|pl-1");
        assertThat(sealed).startsWith("wenc1.k1.").doesNotContain("the prompt");
        assertThat(e.openText(sealed, "payload|acme|pl-1")).isEqualTo("the prompt");
        assertThat(e.seal("the prompt", "payload|acme|pl-1")).as("fresh data key and nonces every time").isNotEqualTo(sealed);
        assertThatThrownBy(() -> e.open(sealed, "payload|globex|pl-1")).isInstanceOf(Envelope.SealedException.class);
        char[] c = sealed.toCharArray();
        c[c.length - 5] = c[c.length - 5] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> e.open(new String(c), "payload|acme|pl-1")).isInstanceOf(Envelope.SealedException.class);
        assertThatThrownBy(() -> ring(KeyRing.newKeyLine("k1")).open(sealed, "payload|acme|pl-1"))
                .as("another key of the same id").isInstanceOf(Envelope.SealedException.class).hasMessageContaining("k1");
    }

    @Test
    void rotationRewrapsUnderTheNewKeyAfterWhichTheOldCanGo() throws Exception {
        String k1 = KeyRing.newKeyLine("k1");
        String k2 = KeyRing.newKeyLine("k2");
        String sealed = ring(k1).seal("secret", "file|x");
        Envelope both = ring(k2, k1);
        assertThat(both.currentId()).isEqualTo("k2");
        assertThat(both.openText(sealed, "file|x")).as("the old key still reads").isEqualTo("secret");
        String rewrapped = both.rewrap(sealed, "file|x");
        assertThat(Envelope.kekOf(rewrapped)).isEqualTo("k2");
        assertThat(rewrapped.substring(rewrapped.lastIndexOf('.'))).as("the data is not re-encrypted")
                .isEqualTo(sealed.substring(sealed.lastIndexOf('.')));
        assertThat(both.rewrap(rewrapped, "file|x")).isEqualTo(rewrapped);
        assertThat(ring(k2).openText(rewrapped, "file|x")).isEqualTo("secret");
        assertThatThrownBy(() -> ring(k1).open(rewrapped, "file|x")).isInstanceOf(Envelope.SealedException.class)
                .hasMessageContaining("'k2', which is not in the key ring");
    }

    @Test
    void ringsAreCheckedWhenRead() {
        assertThatThrownBy(() -> ring("k1:" + Base64.getEncoder().encodeToString(new byte[16]))).hasMessageContaining("expected: 32");
        assertThatThrownBy(() -> ring("K_1:" + Base64.getEncoder().encodeToString(new byte[32]))).hasMessageContaining("key id");
        assertThatThrownBy(() -> ring("k1:not base64!")).hasMessageContaining("not base64");
        assertThatThrownBy(() -> ring("# nothing")).hasMessageContaining("at least one key");
    }

    @Test
    void secretFilesAreSealedAndDoNotOpenWithoutTheirKey(@TempDir Path dir) throws Exception {
        Envelope e = ring(KeyRing.newKeyLine("k1"));
        Path file = dir.resolve("keyhash.secret");
        byte[] secret = SecretFiles.read(file, e);
        assertThat(secret).hasSize(32);
        String onDisk = Files.readString(file);
        assertThat(onDisk).startsWith("wenc1.k1.").doesNotContain(Base64.getEncoder().encodeToString(secret));
        assertThat(SecretFiles.read(file, e)).isEqualTo(secret);
        assertThatThrownBy(() -> SecretFiles.read(file, ring(KeyRing.newKeyLine("k9"))))
                .hasMessageContaining("keyhash.secret").hasMessageContaining("'k1', which is not in the key ring");
        Path copy = dir.resolve("audit.secret");
        Files.writeString(copy, onDisk);
        assertThatThrownBy(() -> SecretFiles.read(copy, e)).as("bound to its own file name").hasMessageContaining("audit.secret");

        Path legacy = dir.resolve("old.secret");
        byte[] plain = new byte[32];
        plain[0] = 7;
        Files.writeString(legacy, Base64.getEncoder().encodeToString(plain) + "\n", StandardCharsets.US_ASCII);
        assertThat(SecretFiles.read(legacy, e)).isEqualTo(plain);
        assertThat(Files.readString(legacy)).as("an older Warden's plain file is sealed in place").startsWith("wenc1.k1.");
        assertThat(SecretFiles.read(legacy, e)).isEqualTo(plain);
    }

    @Test
    void theRingComesFromTheFileTheValueOrTheDataDirectory(@TempDir Path dir) throws Exception {
        String line = KeyRing.newKeyLine("prod-2");
        Path file = dir.resolve("kek");
        Files.writeString(file, line + "\n" + KeyRing.newKeyLine("prod-1") + "\n");
        assertThat(KeyRing.load(Map.of(KeyRing.FILE_ENV, file.toString())::get, dir).ids()).containsExactly("prod-2", "prod-1");
        assertThat(KeyRing.load(Map.of(KeyRing.VALUE_ENV, line)::get, dir).currentId()).isEqualTo("prod-2");
        Envelope local = KeyRing.load(Map.<String, String>of()::get, dir.resolve("data"));
        assertThat(local.currentId()).isEqualTo("local-1");
        assertThat(KeyRing.load(Map.<String, String>of()::get, dir.resolve("data")).openText(local.seal("x", "a"), "a"))
                .as("the same local key on the next start").isEqualTo("x");
    }
}
