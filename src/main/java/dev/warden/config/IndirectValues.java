package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A setting that may hold a credential ({@code store.url}, {@code limiter.redis}, ...) is written
 * in one of three ways: literally ({@code url}), by the environment variable that holds it
 * ({@code urlEnv}), or by the file that holds it ({@code urlFile}, relative to the config file;
 * a Kubernetes Secret mounted as a file). At most one of the three; the value is read when the
 * configuration is loaded, so a reload picks up a rewritten file.
 */
final class IndirectValues {
    private final ConfigReader r;
    private final Path baseDir;
    private final Function<String, String> env;

    IndirectValues(ConfigReader r, Path baseDir, Function<String, String> env) {
        this.r = r;
        this.baseDir = baseDir;
        this.env = env;
    }

    /**
     * The value of {@code fieldEnv} or {@code fieldFile} (at most one of them), or null when
     * neither is written (or the one written is in error): for a setting whose literal form is not
     * a string (a list of URLs) as well.
     */
    String fromEnvOrFile(JsonNode parent, String path, String field) {
        String name = r.string(parent, path, field + "Env", null, false);
        String file = r.string(parent, path, field + "File", null, false);
        if (name != null && file != null) {
            writtenTwice(path, field);
            return null;
        }
        if (name != null) {
            return fromEnv(ConfigReader.join(path, field + "Env"), name);
        }
        return file == null ? null : fromFile(ConfigReader.join(path, field + "File"), file);
    }

    /** The value of {@code field} however it is written, or {@code dflt} when none of the three is. */
    String read(JsonNode parent, String path, String field, String dflt) {
        String literal = r.string(parent, path, field, null, false);
        if (literal != null && (parent.has(field + "Env") || parent.has(field + "File"))) {
            writtenTwice(path, field);
            return dflt;
        }
        if (literal != null) {
            return literal;
        }
        String indirect = fromEnvOrFile(parent, path, field);
        return indirect != null ? indirect : dflt;
    }

    /** The error of a setting written both literally (or from the environment) and from elsewhere. */
    void writtenTwice(String path, String field) {
        r.error(ConfigReader.join(path, field), "written more than once (expected one of " + field + ", "
                + field + "Env and " + field + "File)");
    }

    private String fromEnv(String path, String name) {
        if (!name.matches("[A-Z_][A-Z0-9_]{0,127}")) {
            r.error(path, "'" + name + "' (expected: an environment variable name, [A-Z_][A-Z0-9_]*)");
            return null;
        }
        String value = env.apply(name);
        if (value == null || value.isBlank()) {
            r.error(path, "'" + name + "' is not set in Warden's environment");
            return null;
        }
        return value.strip();
    }

    private String fromFile(String path, String file) {
        Path p = baseDir == null ? Path.of(file) : baseDir.resolve(file);
        try {
            String value = Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8).strip() : "";
            if (value.isEmpty()) {
                r.error(path, "'" + file + "' is not a readable, non-empty file (relative to the config file)");
                return null;
            }
            return value;
        } catch (IOException e) {
            r.error(path, "'" + file + "' cannot be read");
            return null;
        }
    }
}
