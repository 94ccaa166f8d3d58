package dev.warden.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a secret Warden presents to an upstream is kept: an environment variable of the Warden
 * process, or a file (re-read when it changes, so a secret is rotated by rewriting the file). The
 * value itself is never in {@code warden.yaml}, and this reference prints where it is, never what.
 *
 * @param env  the environment variable's name, or null
 * @param file the file (absolute, resolved against the config file's directory), or null
 */
public record SecretRef(String env, Path file) {
    public SecretRef {
        if ((env == null) == (file == null)) {
            throw new IllegalArgumentException("exactly one of env and file");
        }
    }

    public static SecretRef env(String name) {
        return new SecretRef(Objects.requireNonNull(name, "name"), null);
    }

    public static SecretRef file(Path file) {
        return new SecretRef(null, Objects.requireNonNull(file, "file"));
    }

    /** Where the secret comes from, for logs and errors ({@code env:OPENAI_API_KEY}, {@code file:/run/secrets/key}). */
    @Override
    public String toString() {
        return env != null ? "env:" + env : "file:" + file;
    }
}
