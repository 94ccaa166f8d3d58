package dev.warden.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./warden tenants ...}, {@code ./warden keys ...} and {@code ./warden usage ...}: thin
 * wrappers that call the admin API of a running Warden and print its JSON (or CSV) answer. The
 * token comes from {@code --token} or {@code WARDEN_ADMIN_TOKEN}; it is never printed.
 */
public final class AdminCli {
    private AdminCli() {
    }

    /** Where the admin API is and how to authenticate. */
    abstract static class Call implements Callable<Integer> {
        @Option(names = "--admin", defaultValue = "http://127.0.0.1:9090", description = "admin API base URL (default: ${DEFAULT-VALUE})")
        String admin;

        @Option(names = "--token", description = "admin token (default: $WARDEN_ADMIN_TOKEN)")
        String token;

        @Option(names = "--cacert", description = "PEM file of the CA that signed an https admin listener's certificate "
                + "(default: the JVM's trusted CAs)")
        java.nio.file.Path cacert;

        int call(String method, String path, String body) throws Exception {
            String t = token != null ? token : System.getenv("WARDEN_ADMIN_TOKEN");
            if (t == null || t.isBlank()) {
                System.err.println("an admin token is needed: --token or WARDEN_ADMIN_TOKEN");
                return 2;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + t)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            HttpClient.Builder client = HttpClient.newBuilder();
            if (cacert != null) {
                client.sslContext(trusting(cacert));
            }
            HttpResponse<String> r = client.build().send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (!r.body().isEmpty()) {
                System.out.println(r.body());
            }
            if (r.statusCode() >= 400) {
                System.err.println("HTTP " + r.statusCode());
                return 1;
            }
            return 0;
        }

        /** A TLS context that trusts the CA certificates in a PEM file (and nothing else). */
        static javax.net.ssl.SSLContext trusting(java.nio.file.Path pem) throws Exception {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            try (var in = java.nio.file.Files.newInputStream(pem)) {
                for (var cert : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + i++, cert);
                }
            }
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        }

        static String json(String s) {
            return AdminJson.MAPPER.getNodeFactory().textNode(s).toString();
        }

        static String list(List<String> items) {
            List<String> quoted = new ArrayList<>();
            items.forEach(i -> quoted.add(json(i)));
            return "[" + String.join(",", quoted) + "]";
        }
    }

    @Command(name = "tenants", description = "Tenants, through the admin API.",
            subcommands = {TenantsList.class, TenantsShow.class, TenantsCreate.class, TenantsSuspend.class})
    public static final class Tenants implements Callable<Integer> {
        @Override
        public Integer call() {
            new picocli.CommandLine(this).usage(System.out);
            return 0;
        }
    }

    @Command(name = "list", description = "Every tenant (file and store).")
    static final class TenantsList extends Call {
        @Override
        public Integer call() throws Exception {
            return call("GET", "/admin/v1/tenants", null);
        }
    }

    @Command(name = "show", description = "One tenant.")
    static final class TenantsShow extends Call {
        @Parameters(index = "0", description = "tenant id") String id;

        @Override
        public Integer call() throws Exception {
            return call("GET", "/admin/v1/tenants/" + id, null);
        }
    }

    @Command(name = "create", description = "Create a tenant in the control store.")
    static final class TenantsCreate extends Call {
        @Parameters(index = "0", description = "tenant id") String id;
        @Option(names = "--tier", required = true, description = "the tier (a name in warden.yaml's tiers)") String tier;
        @Option(names = "--region", required = true, description = "allowed region, repeatable; * for any") List<String> regions;
        @Option(names = "--model", required = true, description = "allowed model, repeatable") List<String> models;

        @Override
        public Integer call() throws Exception {
            return call("POST", "/admin/v1/tenants", "{\"id\":" + json(id) + ",\"tier\":" + json(tier) + ",\"regions\":"
                    + list(regions) + ",\"models\":" + list(models) + "}");
        }
    }

    @Command(name = "suspend", description = "Suspend a stored tenant.")
    static final class TenantsSuspend extends Call {
        @Parameters(index = "0", description = "tenant id") String id;

        @Override
        public Integer call() throws Exception {
            return call("POST", "/admin/v1/tenants/" + id + "/suspend", null);
        }
    }

    @Command(name = "issue", description = "Issue a key for a tenant (shown once).")
    public static final class KeysIssue extends Call {
        @Parameters(index = "0", description = "tenant") String tenant;
        @Option(names = "--role", defaultValue = "developer", description = "developer, viewer, service or tenant-admin (default: ${DEFAULT-VALUE})") String role;
        @Option(names = "--model", description = "restrict to a model, repeatable") List<String> models;

        @Override
        public Integer call() throws Exception {
            return call("POST", "/admin/v1/tenants/" + tenant + "/keys", "{\"role\":" + json(role)
                    + (models == null ? "" : ",\"models\":" + list(models)) + "}");
        }
    }

    @Command(name = "list", description = "A tenant's keys (no secrets).")
    public static final class KeysList extends Call {
        @Parameters(index = "0", description = "tenant") String tenant;

        @Override
        public Integer call() throws Exception {
            return call("GET", "/admin/v1/tenants/" + tenant + "/keys", null);
        }
    }

    @Command(name = "revoke", description = "Revoke a key.")
    public static final class KeysRevoke extends Call {
        @Parameters(index = "0", description = "tenant") String tenant;
        @Parameters(index = "1", description = "key id") String keyId;

        @Override
        public Integer call() throws Exception {
            return call("DELETE", "/admin/v1/tenants/" + tenant + "/keys/" + keyId, null);
        }
    }

    @Command(name = "rotate", description = "Replace a key by a new one (shown once) and revoke it.")
    public static final class KeysRotate extends Call {
        @Parameters(index = "0", description = "tenant") String tenant;
        @Parameters(index = "1", description = "key id") String keyId;

        @Override
        public Integer call() throws Exception {
            return call("POST", "/admin/v1/tenants/" + tenant + "/keys/" + keyId + "/rotate", null);
        }
    }

    @Command(name = "usage", description = "A tenant's usage report, through the admin API.")
    public static final class Usage extends Call {
        @Parameters(index = "0", description = "tenant") String tenant;
        @Option(names = "--group-by", defaultValue = "day", description = "day, model, key or user (default: ${DEFAULT-VALUE})") String groupBy;
        @Option(names = "--format", defaultValue = "json", description = "json or csv") String format;
        @Option(names = "--from", description = "YYYY-MM-DD (UTC)") String from;
        @Option(names = "--to", description = "YYYY-MM-DD (UTC, inclusive)") String to;

        @Override
        public Integer call() throws Exception {
            StringBuilder q = new StringBuilder("?groupBy=").append(groupBy).append("&format=").append(format);
            if (from != null) {
                q.append("&from=").append(from);
            }
            if (to != null) {
                q.append("&to=").append(to);
            }
            return call("GET", "/admin/v1/tenants/" + tenant + "/usage" + q, null);
        }
    }

    @Command(name = "operators", description = "Platform operators' keys (platform-admin, platform-auditor), through the admin API.",
            subcommands = {OperatorsIssue.class, OperatorsList.class, OperatorsRevoke.class})
    public static final class Operators implements Callable<Integer> {
        @Override
        public Integer call() {
            new picocli.CommandLine(this).usage(System.out);
            return 0;
        }
    }

    @Command(name = "issue", description = "Issue an operator key (shown once).")
    static final class OperatorsIssue extends Call {
        @Parameters(index = "0", description = "who holds it (a name for the audit log)") String name;
        @Option(names = "--role", required = true, description = "platform-admin or platform-auditor") String role;

        @Override
        public Integer call() throws Exception {
            return call("POST", "/admin/v1/operators", "{\"name\":" + json(name) + ",\"role\":" + json(role) + "}");
        }
    }

    @Command(name = "list", description = "Operator keys (no secrets).")
    static final class OperatorsList extends Call {
        @Override
        public Integer call() throws Exception {
            return call("GET", "/admin/v1/operators", null);
        }
    }

    @Command(name = "revoke", description = "Revoke an operator key.")
    static final class OperatorsRevoke extends Call {
        @Parameters(index = "0", description = "key id") String keyId;

        @Override
        public Integer call() throws Exception {
            return call("DELETE", "/admin/v1/operators/" + keyId, null);
        }
    }
}
