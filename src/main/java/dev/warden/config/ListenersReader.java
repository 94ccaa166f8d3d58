package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.egress.Egress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code listeners} (the data and admin planes, TLS) and {@code egress} (where Warden may connect for a tenant). */
final class ListenersReader {
    /** The two listeners. */
    record Listeners(ListenerConfig data, ListenerConfig admin) {
    }

    private ListenersReader() {
    }

    static Listeners listeners(ConfigReader r, JsonNode root, Path baseDir) {
        JsonNode listeners = root.get("listeners");
        ListenerConfig data = new ListenerConfig("127.0.0.1", 8080);
        ListenerConfig admin = new ListenerConfig("127.0.0.1", 9090);
        if (r.isObject(listeners, "listeners", false)) {
            r.onlyKnown(listeners, "listeners", Set.of("data", "admin"));
            data = listener(r, listeners.get("data"), "listeners.data", data, baseDir);
            admin = listener(r, listeners.get("admin"), "listeners.admin", admin, baseDir);
            if (admin.http2().enabled()) {
                r.error("listeners.admin.http2", "not on the admin listener (expected: the data listener only)");
            }
            if (admin.tls() != null && admin.tls().clientAuth() != TlsConfig.ClientAuth.NONE) {
                r.error("listeners.admin.tls.clientAuth", "not on the admin listener (expected: none; admin principals sign in with a token or key)");
            }
            if (data.port() != 0 && data.port() == admin.port() && data.host().equals(admin.host())) {
                r.error("listeners.admin.port", admin.port() + " (expected: not the data port; the admin plane never shares it)");
            }
        }
        return new Listeners(data, admin);
    }

    /** Where Warden may connect for a tenant (its IdP): closed unless the operator opens it, and never the gateway's own ports. */
    static Egress egress(ConfigReader r, JsonNode root, Listeners listeners) {
        Set<Integer> ownPorts = new HashSet<>();
        for (ListenerConfig l : List.of(listeners.data(), listeners.admin())) {
            if (l.port() != 0) {
                ownPorts.add(l.port());
            }
        }
        Egress egress = new Egress(false, false, ownPorts);
        JsonNode egressNode = root.get("egress");
        if (r.isObject(egressNode, "egress", false)) {
            r.onlyKnown(egressNode, "egress", Set.of("allowLoopback", "allowPrivate"));
            egress = new Egress(r.bool(egressNode, "egress", "allowLoopback", false), r.bool(egressNode, "egress", "allowPrivate", false), ownPorts);
        }
        return egress;
    }

    /** A listener; relative TLS file names resolve against {@code baseDir} (the config file's directory). */
    private static ListenerConfig listener(ConfigReader r, JsonNode n, String path, ListenerConfig dflt, Path baseDir) {
        if (!r.isObject(n, path, false)) {
            return dflt;
        }
        r.onlyKnown(n, path, Set.of("host", "port", "tls", "http2"));
        String host = r.string(n, path, "host", dflt.host(), false);
        int port = r.integer(n, path, "port", dflt.port(), 0, 65535);
        TlsConfig tls = null;
        JsonNode t = n.get("tls");
        if (r.isObject(t, path + ".tls", false)) {
            r.onlyKnown(t, path + ".tls", Set.of("certFile", "keyFile", "clientAuth"));
            String cert = r.string(t, path + ".tls", "certFile", null, true);
            String key = r.string(t, path + ".tls", "keyFile", null, true);
            String auth = r.string(t, path + ".tls", "clientAuth", "none", false);
            TlsConfig.ClientAuth clientAuth = switch (auth) {
                case "none" -> TlsConfig.ClientAuth.NONE;
                case "request" -> TlsConfig.ClientAuth.REQUEST;
                case "require" -> TlsConfig.ClientAuth.REQUIRE;
                default -> {
                    r.error(path + ".tls.clientAuth", "'" + auth + "' (expected: none, request or require)");
                    yield TlsConfig.ClientAuth.NONE;
                }
            };
            if (cert != null && key != null) {
                Path certPath = baseDir == null ? Path.of(cert) : baseDir.resolve(cert);
                Path keyPath = baseDir == null ? Path.of(key) : baseDir.resolve(key);
                for (Path f : new Path[] {certPath, keyPath}) {
                    if (!Files.isReadable(f)) {
                        r.error(path + ".tls", f + " is not a readable file");
                    }
                }
                tls = new TlsConfig(certPath, keyPath, clientAuth);
            }
        }
        return new ListenerConfig(host, port, tls, http2(r, n.get("http2"), path + ".http2", tls != null));
    }

    private static ListenerConfig.Http2 http2(ConfigReader r, JsonNode n, String path, boolean tls) {
        if (!r.isObject(n, path, false)) {
            return ListenerConfig.Http2.OFF;
        }
        r.onlyKnown(n, path, Set.of("enabled", "cleartext", "maxConcurrentStreams", "maxResetsPerMinute"));
        ListenerConfig.Http2 d = ListenerConfig.Http2.OFF;
        boolean enabled = r.bool(n, path, "enabled", false);
        boolean cleartext = r.bool(n, path, "cleartext", false);
        if (enabled && !tls && !cleartext) {
            r.error(path, "enabled without TLS (expected: tls on this listener for ALPN, or cleartext: true for h2c)");
        }
        return new ListenerConfig.Http2(enabled, enabled && cleartext,
                r.integer(n, path, "maxConcurrentStreams", d.maxConcurrentStreams(), 1, 10_000),
                r.integer(n, path, "maxResetsPerMinute", d.maxResetsPerMinute(), 1, 100_000));
    }
}
