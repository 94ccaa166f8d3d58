package dev.warden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.crypto.KeyHasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;

/** The bootstrap admin token: issued once, kept only as a keyed hash, never shown again. */
class AdminTokenTest {
    @Test
    void issuedAtFirstStartThenOnlyVerified() throws Exception {
        Path dir = Files.createTempDirectory("warden-admin");
        KeyHasher hasher = KeyHasher.fromFile(dir.resolve("keyhash.secret"));
        AdminToken.Issued first = AdminToken.loadOrIssue(hasher, dir.resolve("admin-token.hash"));
        assertThat(first.token()).startsWith("wda_");
        String stored = Files.readString(dir.resolve("admin-token.hash"));
        assertThat(stored).startsWith("hmac-sha256:").doesNotContain(first.token());
        assertThat(first.toString()).doesNotContain(first.token());

        KeyHasher reloaded = KeyHasher.fromFile(dir.resolve("keyhash.secret"));
        AdminToken.Issued second = AdminToken.loadOrIssue(reloaded, dir.resolve("admin-token.hash"));
        assertThat(second.token()).isNull();
        assertThat(second.verifier().accepts("Bearer " + first.token())).isTrue();
        assertThat(second.verifier().accepts("bearer " + first.token())).isTrue();
        assertThat(second.verifier().accepts("Bearer " + first.token() + "x")).isFalse();
        assertThat(second.verifier().accepts(first.token())).isFalse();
        assertThat(second.verifier().accepts(null)).isFalse();
        assertThat(Files.getPosixFilePermissions(dir.resolve("keyhash.secret"))).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
}
