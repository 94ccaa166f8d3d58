package dev.warden.problem;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A refusal in the shape the client's SDK reads. On the OpenAI routes: the problem body with the
 * stable {@code code}, plus an OpenAI-style {@code error} member ({@code message}, {@code type},
 * {@code code}, {@code param}), so the official SDKs show the message and code instead of raw
 * JSON. On the Anthropic route ({@code /v1/messages}): Anthropic's shape,
 * {@code {"type": "error", "error": {"type", "message", "code"}}}. Both carry the same code.
 */
public final class ClientErrors {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    public static final String ANTHROPIC_CONTENT_TYPE = "application/json";

    private ClientErrors() {
    }

    /** The problem body with OpenAI's {@code error} member. */
    public static String openAi(GatewayError error) {
        String problem = ProblemJson.body(error);
        ObjectNode member = MAPPER.createObjectNode();
        member.put("message", error.detail()).put("type", openAiType(error)).put("code", error.code().code()).putNull("param");
        return problem.substring(0, problem.length() - 1) + ",\"error\":" + member + "}";
    }

    /** Anthropic's error shape, with the stable code beside its type. */
    public static String anthropic(GatewayError error) {
        ObjectNode root = MAPPER.createObjectNode().put("type", "error");
        root.putObject("error").put("type", anthropicType(error.status())).put("message", error.detail()).put("code", error.code().code());
        return root.toString();
    }

    public static String body(GatewayError error, boolean anthropicClient) {
        return anthropicClient ? anthropic(error) : openAi(error);
    }

    public static String contentType(boolean anthropicClient) {
        return anthropicClient ? ANTHROPIC_CONTENT_TYPE : ProblemJson.CONTENT_TYPE;
    }

    /**
     * Whether retrying cannot help for the time a client would wait ({@code X-Should-Retry:
     * false}, which the OpenAI and Anthropic SDKs obey): a spent budget or quota (until the period
     * ends), a role or model the key may not use, a suspended tenant. Not a budget whose spend just
     * could not be read: that passes.
     */
    public static boolean noRetry(GatewayError error) {
        return switch (error.code()) {
            case QUOTA_EXHAUSTED, FORBIDDEN, MODEL_NOT_ALLOWED, TENANT_SUSPENDED -> true;
            case BUDGET_EXHAUSTED -> !error.reason().equals("budget_unknown");
            default -> false;
        };
    }

    static String openAiType(GatewayError error) {
        return switch (error.code()) {
            case BUDGET_EXHAUSTED, QUOTA_EXHAUSTED -> "insufficient_quota";
            default -> switch (error.status()) {
                case 401 -> "authentication_error";
                case 403 -> "permission_error";
                case 404 -> "not_found_error";
                case 429 -> "rate_limit_error";
                default -> error.status() >= 500 ? "server_error" : "invalid_request_error";
            };
        };
    }

    static String anthropicType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
