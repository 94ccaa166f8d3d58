package dev.warden.problem;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.http.HttpServerResponse;

/**
 * The one problem body (RFC 9457 {@code application/problem+json}) every plane answers with: the
 * code's fixed type, title and status, the stable {@code code}, and the error's detail. Nothing
 * else of the request, no library message, no stack trace.
 */
public final class ProblemJson {
    public static final String TYPE_BASE = "https://warden.dev/errors/";
    public static final String CONTENT_TYPE = "application/problem+json";

    private ProblemJson() {
    }

    public static String body(GatewayError error) {
        ErrorCode code = error.code();
        StringBuilder sb = new StringBuilder(200);
        sb.append("{\"type\":\"").append(TYPE_BASE).append(code.code())
                .append("\",\"title\":\"").append(code.title())
                .append("\",\"status\":").append(code.status())
                .append(",\"code\":\"").append(code.code())
                .append("\",\"detail\":\"");
        escape(sb, error.detail());
        return sb.append("\"}").toString();
    }

    /**
     * The answer of the platform endpoints ({@code /oauth2/token}, job renewal): the problem body
     * plus the member such a client reads (RFC 6749's {@code error}, a job's {@code reason}), never
     * cached. {@code member} and {@code value} may be null: the plain problem.
     */
    public static void send(HttpServerResponse res, GatewayError error, String member, String value) {
        String body = body(error);
        if (member != null && value != null) {
            body = body.substring(0, body.length() - 1) + ",\"" + member + "\":" + JsonNodeFactory.instance.textNode(value) + "}";
        }
        res.setStatusCode(error.status()).putHeader("Content-Type", CONTENT_TYPE).putHeader("Cache-Control", "no-store").end(body);
    }

    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
    }
}
