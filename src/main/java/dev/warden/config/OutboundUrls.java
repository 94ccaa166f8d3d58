package dev.warden.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The one rule for URLs Warden itself calls (identity providers, key sets, introspection,
 * webhooks): https, or plain http only to a loopback host (test servers); no credentials in the
 * URL, no fragment.
 */
public final class OutboundUrls {
    private OutboundUrls() {
    }

    public static boolean allowed(String s) {
        try {
            URI u = new URI(s);
            String host = u.getHost();
            boolean loopback = "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
            return host != null && u.getUserInfo() == null && u.getFragment() == null
                    && ("https".equals(u.getScheme()) || "http".equals(u.getScheme()) && loopback);
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
