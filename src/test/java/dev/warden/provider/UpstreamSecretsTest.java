package dev.warden.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.SecretRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The platform's upstream keys: read from the environment once, from files whenever they change, never lost to a bad write. */
class UpstreamSecretsTest {
    @Test
    void environmentAndFilesAreReadAndAFileIsFollowed() throws Exception {
        Path file = Files.createTempFile("warden-secret", ".key");
        Files.writeString(file, "first-key\n");
        SecretRef fromFile = SecretRef.file(file);
        SecretRef fromEnv = SecretRef.env("PROVIDER_KEY");
        UpstreamSecrets secrets = new UpstreamSecrets(Map.of("PROVIDER_KEY", "  env-key ")::get);
        assertThat(secrets.value(fromFile)).as("nothing is read until a refresh").isNull();

        secrets.refresh(List.of(fromFile, fromEnv));
        assertThat(secrets.value(fromFile)).isEqualTo("first-key");
        assertThat(secrets.value(fromEnv)).isEqualTo("env-key");

        Files.writeString(file, "second-key");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5))); // a coarse clock cannot hide the change
        secrets.refresh(List.of(fromFile, fromEnv));
        assertThat(secrets.value(fromFile)).isEqualTo("second-key");

        Files.writeString(file, ""); // caught half-written, or emptied by mistake: the last good key stays
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        secrets.refresh(List.of(fromFile, fromEnv));
        assertThat(secrets.value(fromFile)).isEqualTo("second-key");
        Files.delete(file);
        secrets.refresh(List.of(fromFile, fromEnv));
        assertThat(secrets.value(fromFile)).isEqualTo("second-key");

        secrets.refresh(List.of(fromEnv)); // no longer named by the config: forgotten
        assertThat(secrets.value(fromFile)).isNull();
    }

    @Test
    void aSecretIsTakenOutOfAnyTextThatLeaves() throws Exception {
        UpstreamSecrets secrets = new UpstreamSecrets(Map.of("K", "azure-5f3c9a")::get);
        secrets.refresh(List.of(SecretRef.env("K")));
        assertThat(secrets.redact("Access denied for key azure-5f3c9a on resource x"))
                .isEqualTo("Access denied for key [redacted] on resource x");
        assertThat(secrets.toString()).doesNotContain("azure-5f3c9a");
    }
}
