package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a pool's or an upstream's {@code credential}: how Warden authenticates to the upstream
 * ({@code bearer}, a named {@code header}, or Warden's own {@code service-token}) and where the
 * secret is kept ({@code secretEnv} or {@code secretFile}; never inline). The secret must be there
 * when the config is loaded: a config that could not call its upstreams is refused, not served.
 */
final class CredentialReader {
    /** Headers the gateway sets itself or that frame the request: never a credential's. */
    private static final Set<String> RESERVED = Set.of("authorization", "host", "content-length", "content-type", "transfer-encoding",
            "connection", "te", "upgrade", "x-tenant-id", "x-request-id", "forwarded", "traceparent", "tracestate", "cookie");

    /** What a credential block said: the upstream credential, or Warden's service tokens ({@code perRequest} or not; null: not those). */
    record Choice(UpstreamCredential credential, Boolean serviceToken) {
        static final Choice NONE = new Choice(UpstreamCredential.NONE, null);
    }

    private final ConfigReader r;
    private final Path baseDir;
    private final Function<String, String> env;

    CredentialReader(ConfigReader r, Path baseDir, Function<String, String> env) {
        this.r = r;
        this.baseDir = baseDir;
        this.env = env;
    }

    /** {@code n} at {@code path} (absent: none); {@code ofPool}: a pool's, which may also be service tokens. */
    Choice read(JsonNode n, String path, ProviderKind provider, boolean ofPool) {
        if (!r.object(n, path, Set.of("type", "header", "secretEnv", "secretFile", "perRequest"), false)) {
            return Choice.NONE;
        }
        String type = r.oneOf(n, path, "type", Set.of("bearer", "header", "service-token"), null);
        if (type == null) {
            return Choice.NONE;
        }
        if (type.equals("service-token")) {
            if (!ofPool) {
                r.error(path + ".type", "service-token (expected: bearer or header; service tokens are a pool's, for all its upstreams)");
            } else if (provider != ProviderKind.OPENAI) {
                r.error(path + ".type", "service-token (expected: bearer or header: " + provider.id() + " servers do not verify Warden's tokens)");
            }
            for (String f : new String[] {"header", "secretEnv", "secretFile"}) {
                if (n.has(f)) {
                    r.error(path + "." + f, "not for service tokens (Warden signs them with its own keys)");
                }
            }
            return new Choice(UpstreamCredential.NONE, r.bool(n, path, "perRequest", false));
        }
        if (n.has("perRequest")) {
            r.error(path + ".perRequest", "only for type: service-token");
        }
        SecretRef secret = secret(n, path);
        if (secret == null) {
            return Choice.NONE;
        }
        if (type.equals("bearer")) {
            if (n.has("header")) {
                r.error(path + ".header", "not for a bearer credential (it goes in Authorization)");
            }
            return new Choice(UpstreamCredential.bearer(secret), null);
        }
        String header = r.string(n, path, "header", defaultHeader(provider), false);
        if (header == null) {
            r.error(path + ".header", "missing (expected: the header's name, e.g. api-key or x-api-key)");
            return Choice.NONE;
        }
        if (!header.matches("[A-Za-z0-9][A-Za-z0-9-]{0,63}") || RESERVED.contains(header.toLowerCase(Locale.ROOT))
                || header.toLowerCase(Locale.ROOT).startsWith("x-warden-") || header.toLowerCase(Locale.ROOT).startsWith("x-forwarded-")) {
            r.error(path + ".header", "'" + header + "' (expected: a header name the gateway does not set itself; use type: bearer for Authorization)");
            return Choice.NONE;
        }
        return new Choice(UpstreamCredential.header(header, secret), null);
    }

    private static String defaultHeader(ProviderKind provider) {
        return switch (provider) {
            case AZURE_OPENAI -> "api-key";
            case ANTHROPIC -> "x-api-key";
            case OPENAI -> null;
        };
    }

    /** Exactly one of {@code secretEnv} and {@code secretFile}, present now. */
    private SecretRef secret(JsonNode n, String path) {
        String name = r.string(n, path, "secretEnv", null, false);
        String file = r.string(n, path, "secretFile", null, false);
        if ((name == null) == (file == null)) {
            r.error(path, "exactly one of secretEnv and secretFile is expected (the secret is never written in warden.yaml)");
            return null;
        }
        if (name != null) {
            if (!name.matches("[A-Z_][A-Z0-9_]{0,127}")) {
                r.error(path + ".secretEnv", "'" + name + "' (expected: an environment variable name, [A-Z_][A-Z0-9_]*)");
                return null;
            }
            String value = env.apply(name);
            if (value == null || value.isBlank()) {
                r.error(path + ".secretEnv", "'" + name + "' is not set in Warden's environment");
                return null;
            }
            return SecretRef.env(name);
        }
        Path p = baseDir == null ? Path.of(file) : baseDir.resolve(file);
        try {
            if (!Files.isRegularFile(p) || Files.readString(p, StandardCharsets.UTF_8).isBlank()) {
                r.error(path + ".secretFile", "'" + file + "' is not a file holding a secret (expected: a readable, non-empty file, relative to the config file)");
                return null;
            }
        } catch (IOException e) {
            r.error(path + ".secretFile", "'" + file + "' cannot be read");
            return null;
        }
        return SecretRef.file(p.toAbsolutePath().normalize());
    }
}
