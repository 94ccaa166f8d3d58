package dev.warden.http;

import dev.warden.pipeline.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;

/** The headers every data-plane response carries, proxied or refused. */
public final class SecurityHeaders {
    private SecurityHeaders() {
    }

    public static final String REQUEST_ID = "X-Request-ID";
    public static final String TENANT_ID = "X-Tenant-ID";

    private static final CharSequence NOSNIFF_NAME = HttpHeaders.createOptimized("X-Content-Type-Options");
    private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
    private static final CharSequence FRAME_NAME = HttpHeaders.createOptimized("X-Frame-Options");
    private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
    private static final CharSequence CACHE_NAME = HttpHeaders.createOptimized("Cache-Control");
    private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
    private static final CharSequence REFERRER_NAME = HttpHeaders.createOptimized("Referrer-Policy");
    private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");
    private static final CharSequence REQUEST_ID_NAME = HttpHeaders.createOptimized(REQUEST_ID);
    private static final CharSequence TENANT_ID_NAME = HttpHeaders.createOptimized(TENANT_ID);

    /**
     * Adds the security headers, the request id, once verified the tenant, and the headers stages
     * attached to the exchange for every answer ({@code RateLimit}, {@code Retry-After}). The headers must
     * not hold these names yet (callers start from an empty map or one filtered by header hygiene).
     */
    public static void apply(MultiMap headers, Exchange exchange) {
        headers.add(NOSNIFF_NAME, NOSNIFF);
        headers.add(FRAME_NAME, DENY);
        headers.add(CACHE_NAME, NO_STORE);
        headers.add(REFERRER_NAME, NO_REFERRER);
        if (exchange != null) {
            headers.add(REQUEST_ID_NAME, exchange.requestId());
            if (exchange.verifiedTenant() != null) {
                headers.add(TENANT_ID_NAME, exchange.verifiedTenant());
            }
            List<String> extra = exchange.responseHeaders();
            for (int i = 0; i + 1 < extra.size(); i += 2) {
                headers.add(extra.get(i), extra.get(i + 1));
            }
        }
    }
}
