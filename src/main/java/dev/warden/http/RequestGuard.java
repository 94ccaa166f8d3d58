package dev.warden.http;

import dev.warden.config.Limits;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.function.BiConsumer;

/**
 * Checks a request's framing and headers before anything else looks at it: one meaning only for
 * every header the gateway or an upstream acts on. Ambiguity (two Hosts, two lengths, an odd
 * Transfer-Encoding, underscores that some servers read as hyphens) is a 400 and a closed
 * connection, never a guess.
 */
final class RequestGuard {
    private RequestGuard() {
    }

    /** Headers that must appear at most once, in bit order (a bitmask tracks which were seen). */
    private static final String[] SINGLE = {"Host", "Content-Length", "Content-Type", "Authorization", "X-API-Key",
            "X-Tenant-ID", "Transfer-Encoding", "Expect"};
    private static final int HOST = 0, CONTENT_LENGTH = 1, CONTENT_TYPE = 2, TRANSFER_ENCODING = 6;

    static GatewayError check(HttpServerRequest request, Limits limits, boolean bodyExpected) {
        return check(request, limits, bodyExpected ? "application/json" : null, limits.maxBodyBytes());
    }

    /** {@code mediaType}: the body's expected type (null: none expected); {@code maxBody}: the route's cap. */
    static GatewayError check(HttpServerRequest request, Limits limits, String mediaType, long maxBody) {
        if (request.version() == HttpVersion.HTTP_2) {
            GatewayError pseudo = checkPseudoHeaders(request);
            if (pseudo != null) {
                return pseudo;
            }
        }
        return checkHeaders(request.version(), request.headers(), mediaType, maxBody);
    }

    /** The header checks alone (the fuzz target's entry: it has headers, not a request). */
    static GatewayError checkHeaders(HttpVersion version, MultiMap headers, String mediaType, long maxBody) {
        HeaderScan scan = new HeaderScan(version == HttpVersion.HTTP_2);
        headers.forEach(scan);
        if (scan.error != null) {
            return scan.error;
        }
        String te = scan.values[TRANSFER_ENCODING];
        if (te != null) {
            if (version != HttpVersion.HTTP_1_1 || !te.equalsIgnoreCase("chunked")) {
                return bad(ErrorCode.INVALID_REQUEST, "Transfer-Encoding must be exactly chunked, on HTTP version 1.1 only.", "te_invalid");
            }
            if (scan.values[CONTENT_LENGTH] != null) {
                return bad(ErrorCode.INVALID_REQUEST, "Content-Length and Transfer-Encoding must not be combined.", "te_and_cl");
            }
        }
        String host = scan.values[HOST];
        if (version == HttpVersion.HTTP_1_1 && (host == null || !validHost(host))) {
            return bad(ErrorCode.INVALID_HEADER, "A single valid Host header is required.", "host_invalid");
        }
        String length = scan.values[CONTENT_LENGTH];
        if (length != null) {
            long n = parseLength(length);
            if (n < 0) {
                return bad(ErrorCode.INVALID_REQUEST, "Content-Length must be a plain decimal number.", "cl_invalid");
            }
            if (n > maxBody) {
                return bad(ErrorCode.BODY_TOO_LARGE, "The body is larger than " + maxBody + " bytes.", "body_too_large");
            }
        }
        String encoding = scan.encoding;
        if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
            return bad(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Compressed request bodies are not accepted.", "content_encoding");
        }
        if (mediaType != null) {
            String type = scan.values[CONTENT_TYPE];
            if (type == null || !is(type, mediaType)) {
                return bad(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The body must be " + mediaType + ".", "content_type");
            }
        }
        return null;
    }

    /**
     * What HTTP/2's decoder leaves to the server (RFC 9113 8.3.1): the scheme is http or https, and
     * the request names its authority, as HTTP/1.1's Host must. (Missing, repeated, unknown or
     * misplaced pseudo-headers, uppercase names and connection-specific fields are stream errors
     * in Netty's decoder already; the path's form is checked with the route.)
     */
    private static GatewayError checkPseudoHeaders(HttpServerRequest request) {
        String scheme = request.scheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            return bad(ErrorCode.INVALID_REQUEST, "The :scheme must be http or https.", "scheme_invalid");
        }
        if (request.authority() == null) {
            return bad(ErrorCode.INVALID_HEADER, "A request must name its authority (:authority or Host).", "host_invalid");
        }
        return null;
    }

    private static boolean is(String type, String mediaType) {
        int semi = type.indexOf(';');
        String base = (semi < 0 ? type : type.substring(0, semi)).strip();
        return base.equalsIgnoreCase(mediaType);
    }

    private static long parseLength(String s) {
        if (s.isEmpty() || s.length() > 12) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** RFC 9113 8.2.1: no whitespace at either end of a value (HTTP/1's decoder trims it, HTTP/2's does not). */
    private static boolean padded(String v) {
        int last = v.length() - 1;
        return last >= 0 && (v.charAt(0) == ' ' || v.charAt(0) == '\t' || v.charAt(last) == ' ' || v.charAt(last) == '\t');
    }

    private static boolean validValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** tchar of RFC 9110 5.6.2, by ASCII code. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    private static boolean validHost(String host) {
        if (host.isEmpty() || host.length() > 255) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** One pass over the headers, keeping the first problem (no iterator objects per header). */
    private static final class HeaderScan implements BiConsumer<String, String> {
        /** HTTP/1's decoder refuses a name that is no token and trims values itself; HTTP/2's does neither. */
        private final boolean http2;
        int seen;
        GatewayError error;
        /** The single headers' values, by bit: what the checks after the scan read (no second lookup). */
        final String[] values = new String[SINGLE.length];
        /** The first Content-Encoding. */
        String encoding;

        HeaderScan(boolean http2) {
            this.http2 = http2;
        }

        @Override
        public void accept(String name, String value) {
            if (error != null) {
                return;
            }
            if (name.indexOf('_') >= 0) {
                error = bad(ErrorCode.INVALID_HEADER, "Header names must not contain '_'.", "header_underscore");
                return;
            }
            int bit = singleIndex(name);
            if (bit >= 0) {
                if ((seen & (1 << bit)) != 0) {
                    error = bad(ErrorCode.INVALID_HEADER, "The header " + SINGLE[bit] + " must appear at most once.", "header_repeated");
                    return;
                }
                seen |= 1 << bit;
                values[bit] = value;
            } else if (encoding == null && name.length() == 16 && name.equalsIgnoreCase("Content-Encoding")) {
                encoding = value;
            }
            if (http2 && !validName(name)) {
                error = bad(ErrorCode.INVALID_HEADER, "A header name must be a token (RFC 9110 5.1).", "header_name_invalid");
                return;
            }
            if (!validValue(value)) {
                error = bad(ErrorCode.INVALID_HEADER, "A header value holds a control character.", "header_control_char");
            } else if (http2 && padded(value)) {
                error = bad(ErrorCode.INVALID_HEADER, "A header value must not start or end with whitespace.", "header_whitespace");
            }
        }
    }

    private static int singleIndex(String name) {
        for (int i = 0; i < SINGLE.length; i++) {
            if (SINGLE[i].length() == name.length() && SINGLE[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static GatewayError bad(ErrorCode code, String detail, String reason) {
        return GatewayError.of(code, detail, reason);
    }
}
