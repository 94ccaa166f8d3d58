package dev.warden.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's static files (plain HTML, CSS and JS from {@code src/main/resources/dashboard},
 * nothing from a CDN), served on the admin port at {@code /} and {@code /ui/...}. The page itself
 * holds no data: it calls the admin API with the credential the operator signs in with (kept in
 * the tab's session storage only). A strict Content-Security-Policy allows this origin only.
 */
final class Dashboard {
    private static final Map<String, String> TYPES = Map.of(".html", "text/html; charset=utf-8", ".css", "text/css; charset=utf-8",
            ".js", "text/javascript; charset=utf-8", ".svg", "image/svg+xml", ".txt", "text/plain; charset=utf-8");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Map<String, Buffer> cache = new ConcurrentHashMap<>();

    /** Serves {@code path} if it is a dashboard file; false otherwise. */
    boolean serve(String path, HttpServerResponse res) {
        // browsers ask for /favicon.ico on every load whatever the page links: it is the same icon
        String name = path.equals("/") ? "index.html" : path.equals("/favicon.ico") ? "favicon.svg"
                : path.startsWith("/ui/") ? path.substring(4) : null;
        if (name == null || name.isEmpty() || !name.matches("[a-z0-9-]+\\.[a-z]+")) {
            return false;
        }
        String ext = name.substring(name.lastIndexOf('.'));
        String type = TYPES.get(ext);
        Buffer body = type == null ? null : cache.computeIfAbsent(name, Dashboard::load);
        if (body == null || body.length() == 0) {
            cache.remove(name);
            return false;
        }
        res.putHeader("Content-Type", type).putHeader("Content-Security-Policy", CSP)
                .putHeader("Referrer-Policy", "no-referrer").end(body);
        return true;
    }

    private static Buffer load(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            return in == null ? Buffer.buffer() : Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            return Buffer.buffer();
        }
    }
}
