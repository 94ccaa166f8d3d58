package dev.warden.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one event that ends a broken stream, in the client's API: OpenAI's clients read
 * {@code event: error} with {@code {"error": {...}}}; Anthropic's read {@code event: error} with
 * {@code {"type": "error", "error": {"type", "message"}}}.
 */
final class StreamErrors {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private StreamErrors() {
    }

    /** The terminal event for an abort {@code reason} (the relay's), naming the request. */
    static String terminal(String reason, String requestId, boolean anthropicClient) {
        return terminal(reason, requestId, anthropicClient, null);
    }

    /** The same, naming the guardrail rule that stopped the answer ({@code rule}: null for none). */
    static String terminal(String reason, String requestId, boolean anthropicClient, String rule) {
        String code = switch (reason) {
            case "upstream_idle_timeout" -> "upstream_timeout";
            case "stream_max_duration" -> "stream_max_duration";
            case "upstream_error_event" -> "upstream_error";
            case "guardrail_blocked" -> "guardrail_blocked";
            default -> "upstream_protocol_error";
        };
        String message = switch (code) {
            case "stream_max_duration" -> "The stream reached the longest duration this tenant's tier allows.";
            case "upstream_error" -> "The model server ended the stream with an error.";
            case "guardrail_blocked" -> rule == null ? "The answer was stopped by the tenant's guardrails."
                    : "The answer was stopped by the tenant's guardrail rule '" + rule + "'.";
            default -> "The model server's stream broke off.";
        };
        ObjectNode root = MAPPER.createObjectNode();
        if (anthropicClient) {
            root.put("type", "error");
            root.putObject("error").put("type", code.equals("upstream_timeout") ? "timeout_error" : "api_error")
                    .put("message", message).put("code", code).put("request_id", requestId);
        } else {
            root.putObject("error").put("code", code).put("message", message).put("request_id", requestId);
        }
        return "event: error\ndata: " + root + "\n\n";
    }
}
