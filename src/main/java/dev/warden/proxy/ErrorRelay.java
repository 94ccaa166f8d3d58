package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.ClientErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Relays an upstream's error answer (4xx, 5xx) as {@link ErrorScrubber} allows: the body is held
 * (up to 64 KiB; past that it is not shown) and replaced at the end by the scrubbed one: for a 4xx
 * the OpenAI error shape with its message cleaned, otherwise the gateway's own problem
 * ({@code upstream_error}, the upstream's status kept so clients retry as they would).
 */
final class ErrorRelay extends Relay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX = 64 * 1024;
    private final Predicate<String> otherTenant;
    private final UnaryOperator<String> redactSecrets;
    private final boolean anthropicClient;
    private final int status;
    private Buffer held = Buffer.buffer();
    private boolean overCap;

    ErrorRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
               Predicate<String> otherTenant, UnaryOperator<String> redactSecrets, boolean anthropicClient) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.otherTenant = otherTenant;
        this.redactSecrets = redactSecrets;
        this.anthropicClient = anthropicClient;
        this.status = upstream.statusCode();
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (!overCap && held.length() + chunk.length() <= MAX) {
            held.appendBuffer(chunk);
        } else {
            overCap = true;
            held = null;
        }
    }

    @Override
    protected Buffer onEnd() {
        String shown = status < 500 && !overCap ? ErrorScrubber.clientError(held.getBytes(), otherTenant, redactSecrets, anthropicClient) : null;
        String body;
        String type;
        if (shown != null) {
            body = shown;
            type = "application/json";
        } else {
            body = upstreamError(status, anthropicClient);
            type = ClientErrors.contentType(anthropicClient);
        }
        Buffer out = Buffer.buffer(body);
        client.setChunked(false);
        client.headers().remove("Transfer-Encoding").set("Content-Type", type).set("Content-Length", Integer.toString(out.length()));
        return out;
    }

    /**
     * The gateway's own answer for an upstream error it will not show: {@code upstream_error}, the
     * upstream's status kept so clients retry as they would; a problem with OpenAI's {@code error}
     * member, or Anthropic's shape.
     */
    static String upstreamError(int status, boolean anthropicClient) {
        String detail = "The model server answered with an error (status " + status + ").";
        ObjectNode root = JSON.createObjectNode();
        if (anthropicClient) {
            root.put("type", "error").putObject("error").put("type", status >= 500 ? "api_error" : "invalid_request_error")
                    .put("message", detail).put("code", "upstream_error");
            return root.toString();
        }
        root.put("type", "https://warden.dev/errors/upstream_error").put("title", "Upstream error").put("status", status)
                .put("code", "upstream_error").put("detail", detail);
        root.putObject("error").put("message", detail).put("type", status >= 500 ? "server_error" : "invalid_request_error")
                .put("code", "upstream_error").putNull("param");
        return root.toString();
    }

    @Override
    protected boolean onAbort(String reason) {
        return false; // nothing was sent yet, and there is nothing to tell: the connection is cut
    }
}
