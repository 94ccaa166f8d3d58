package dev.warden.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the gateway. Towards the upstream: hop-by-hop headers, everything named in
 * {@code Connection}, the client's credentials, and every header only the gateway may set
 * ({@code X-Tenant-ID}, {@code X-Warden-*}, {@code X-Forwarded-*}, {@code Forwarded}...) are
 * dropped (with the provider-account headers a client's SDK may send: {@code api-key},
 * {@code OpenAI-Organization}, {@code anthropic-version}...: the upstream is called on the
 * platform's account, in the version Warden speaks); the gateway then sets its own from what it verified. Towards the client: hop-by-hop
 * and framing headers, cookies and the upstream's tenant tag are dropped.
 */
final class HeaderHygiene {
    private HeaderHygiene() {
    }

    private static final HeaderNames HOP_BY_HOP = new HeaderNames("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate", "http2-settings");

    private static final HeaderNames NEVER_UPSTREAM = new HeaderNames("authorization", "x-api-key", "api-key", "cookie", "host",
            "openai-organization", "openai-project", "anthropic-version", "anthropic-beta",
            "content-length", "expect", "x-tenant-id", "forwarded", "x-real-ip", "x-original-url", "x-rewrite-url",
            "x-http-method-override", "x-http-method", "x-method-override", "x-request-id", "x-client-ip",
            "true-client-ip", "cf-connecting-ip", "traceparent", "tracestate");

    private static final String[] NEVER_UPSTREAM_PREFIXES = {"x-warden-", "x-forwarded-", "x-authenticated-",
            "x-gateway-", "x-sim-internal-"};

    private static final HeaderNames NEVER_DOWNSTREAM = new HeaderNames("set-cookie", "set-cookie2", "content-length",
            "x-tenant-id", "x-request-id", "server", "x-content-type-options", "x-frame-options", "cache-control",
            "referrer-policy", "strict-transport-security", "access-control-allow-origin",
            "access-control-allow-credentials", "www-authenticate");

    /** Copies the client's headers that may reach the upstream into {@code out}. */
    static void copyToUpstream(MultiMap in, MultiMap out) {
        Set<String> named = connectionTokens(in);
        in.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !NEVER_UPSTREAM.contains(name) && !hasBlockedPrefix(name)
                    && (named.isEmpty() || !named.contains(name.toLowerCase(Locale.ROOT)))) {
                out.add(name, value);
            }
        });
    }

    /** Copies the upstream's response headers that may reach the client into {@code out}. */
    static void copyToClient(MultiMap in, MultiMap out) {
        Set<String> named = connectionTokens(in);
        in.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !NEVER_DOWNSTREAM.contains(name)
                    && !HeaderNames.startsWithIgnoreCase(name, "x-warden-")
                    && (named.isEmpty() || !named.contains(name.toLowerCase(Locale.ROOT)))) {
                out.add(name, value);
            }
        });
    }

    private static boolean hasBlockedPrefix(String name) {
        for (String p : NEVER_UPSTREAM_PREFIXES) {
            if (HeaderNames.startsWithIgnoreCase(name, p)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> connectionTokens(MultiMap headers) {
        List<String> values = headers.getAll("Connection");
        if (values.isEmpty()) {
            return Set.of();
        }
        HashSet<String> tokens = new HashSet<>();
        for (String v : values) {
            for (String t : v.split(",")) {
                String token = t.strip().toLowerCase(Locale.ROOT);
                if (!token.isEmpty()) {
                    tokens.add(token);
                }
            }
        }
        return tokens;
    }
}
