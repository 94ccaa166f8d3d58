package dev.warden.pipeline;

import io.vertx.core.MultiMap;

/** The headers every data-plane response carries, proxied or refused. */
public final class SecurityHeaders {
    private SecurityHeaders() {
    }

    public static final String REQUEST_ID = "X-Request-ID";
    public static final String TENANT_ID = "X-Tenant-ID";

    /** Sets the security headers, the request id and, once verified, the tenant. */
    public static void apply(MultiMap headers, Exchange exchange) {
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Cache-Control", "no-store");
        headers.set("Referrer-Policy", "no-referrer");
        if (exchange != null) {
            headers.set(REQUEST_ID, exchange.requestId());
            if (exchange.verifiedTenant() != null) {
                headers.set(TENANT_ID, exchange.verifiedTenant());
            }
        }
    }
}
