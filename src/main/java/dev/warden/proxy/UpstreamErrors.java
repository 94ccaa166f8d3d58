package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * An upstream's error answer, read whole (up to {@value #MAX} bytes) before anything is decided
 * about it: whether it is one Forward answers by trying elsewhere (a 429, a 5xx, a prompt over the
 * model's context window), how long the upstream asked to be left alone ({@code Retry-After}), and
 * then what the client may see of it ({@link ErrorAnswer}).
 */
final class UpstreamErrors {
    static final int MAX = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Buffer for an error body over {@link #MAX}: not shown, not read. */
    static final Buffer TOO_LARGE = Buffer.buffer();

    private UpstreamErrors() {
    }

    /** The whole body, or {@link #TOO_LARGE} past the cap; fails if the stream breaks. */
    static Future<Buffer> read(HttpClientResponse response) {
        Promise<Buffer> body = Promise.promise();
        Buffer held = Buffer.buffer();
        boolean[] over = {false};
        response.handler(chunk -> {
            if (!over[0] && held.length() + chunk.length() <= MAX) {
                held.appendBuffer(chunk);
            } else {
                over[0] = true;
            }
        });
        response.exceptionHandler(body::tryFail);
        response.endHandler(v -> body.tryComplete(over[0] ? TOO_LARGE : held));
        response.resume();
        return body.future();
    }

    /**
     * Whether a 4xx says the prompt is over the model's context window (OpenAI's
     * {@code context_length_exceeded}, Anthropic's "prompt is too long", vLLM's and TGI's "maximum
     * context length"): another model with a larger window may take it.
     */
    static boolean contextExceeded(Buffer body) {
        if (body == null || body == TOO_LARGE || body.length() == 0) {
            return false;
        }
        JsonNode error;
        try {
            JsonNode tree = JSON.readTree(body.getBytes());
            error = tree == null ? null : tree.path("error");
        } catch (IOException e) {
            return false;
        }
        if (error == null || !error.isObject()) {
            return false;
        }
        if ("context_length_exceeded".equals(error.path("code").asText())) {
            return true;
        }
        String message = error.path("message").asText("").toLowerCase(Locale.ROOT);
        return message.contains("prompt is too long") || message.contains("maximum context length")
                || message.contains("context window") || message.contains("context length");
    }

    /** {@code Retry-After} in milliseconds (seconds or an HTTP date), or 0 when absent or unreadable. */
    static long retryAfterMs(HttpClientResponse response) {
        String v = response.getHeader("Retry-After");
        if (v == null || v.isBlank()) {
            return 0;
        }
        v = v.strip();
        try {
            return Math.max(0, Long.parseLong(v)) * 1000L;
        } catch (NumberFormatException e) {
            try {
                return Math.max(0, Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)).toMillis());
            } catch (DateTimeParseException ignored) {
                return 0;
            }
        }
    }
}
