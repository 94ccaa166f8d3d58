package dev.warden.sim;

import dev.warden.config.ProviderKind;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Which provider a sim plays and what it asks of a caller, as the real one does: an OpenAI server
 * that wants {@code Authorization: Bearer <key>}; an Azure OpenAI resource (deployment-named
 * paths, an {@code api-version} query, an {@code api-key} header); Anthropic's Messages API
 * ({@code x-api-key}, {@code anthropic-version}). A wrong or missing credential is refused in the
 * provider's own error shape, so Warden's handling of each is tested against the real wire format.
 *
 * @param key        the key callers must present (read on every request: a test or a file may change it), or null: none
 * @param apiVersion Azure: the {@code api-version} it serves; Anthropic: the {@code anthropic-version} it requires
 */
public record SimPersonality(ProviderKind kind, Supplier<String> key, String apiVersion) {
    /** An OpenAI-compatible server that asks for no key (vLLM without {@code --api-key}). */
    public static final SimPersonality OPEN = new SimPersonality(ProviderKind.OPENAI, null, null);

    /** A key kept in {@code file}, read again when the file changes (a rotation), trimmed. */
    public static Supplier<String> keyFile(Path file) {
        AtomicReference<Object[]> cache = new AtomicReference<>(new Object[] {null, null});
        return () -> {
            try {
                FileTime modified = Files.getLastModifiedTime(file);
                Object[] c = cache.get();
                if (!modified.equals(c[0])) {
                    c = new Object[] {modified, Files.readString(file, StandardCharsets.UTF_8).strip()};
                    cache.set(c);
                }
                return (String) c[1];
            } catch (IOException e) {
                return "\0unreadable"; // no caller can present this: every request is refused
            }
        };
    }

    /** What a request asks for ({@code chat}, {@code completions}, {@code embeddings}, {@code messages}, or {@code other}: the path decides), or why it is refused. */
    record Call(String operation, String deployment, int status, String error) {
        static Call refused(int status, String error) {
            return new Call(null, null, status, error);
        }
    }

    Call check(HttpServerRequest req) {
        String path = req.path();
        String key = this.key == null ? null : this.key.get();
        return switch (kind) {
            case OPENAI -> {
                if (key != null && !("Bearer " + key).equals(req.getHeader("Authorization"))) {
                    yield Call.refused(401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\","
                            + "\"param\":null,\"code\":\"invalid_api_key\"}}");
                }
                yield new Call(switch (path) {
                    case "/v1/chat/completions" -> "chat";
                    case "/v1/completions" -> "completions";
                    case "/v1/embeddings" -> "embeddings";
                    case "/v1/moderations" -> "moderations";
                    case "/v1/responses" -> "responses";
                    case "/v1/images/generations" -> "images";
                    case "/v1/audio/transcriptions", "/v1/audio/translations" -> "audio";
                    default -> "other";
                }, null, 0, null);
            }
            case AZURE_OPENAI -> azure(req, path, key);
            case ANTHROPIC -> {
                if (key != null && !key.equals(req.getHeader("x-api-key"))) {
                    yield Call.refused(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}");
                }
                if (apiVersion != null && !apiVersion.equals(req.getHeader("anthropic-version"))) {
                    yield Call.refused(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                            + "\"message\":\"anthropic-version: header is required\"}}");
                }
                yield path.equals("/v1/messages") ? new Call("messages", null, 0, null)
                        : Call.refused(404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Not found\"}}");
            }
        };
    }

    private Call azure(HttpServerRequest req, String path, String key) {
        if (key != null && !key.equals(req.getHeader("api-key"))) {
            return Call.refused(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key or wrong "
                    + "API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
                    + "for your resource.\"}}");
        }
        String prefix = "/openai/deployments/";
        int slash = path.startsWith(prefix) ? path.indexOf('/', prefix.length()) : -1;
        String version = req.getParam("api-version");
        if (slash < 0 || version == null || (apiVersion != null && !apiVersion.equals(version))) {
            return Call.refused(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
        }
        String operation = switch (path.substring(slash)) {
            case "/chat/completions" -> "chat";
            case "/completions" -> "completions";
            case "/embeddings" -> "embeddings";
            case "/moderations" -> "moderations";
            default -> null;
        };
        return operation == null ? Call.refused(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}")
                : new Call(operation, path.substring(prefix.length(), slash), 0, null);
    }
}
