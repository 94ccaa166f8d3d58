package dev.warden.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.admin.AdminToken;
import dev.warden.config.ApiKeyRecord;
import dev.warden.config.ConfigException;
import dev.warden.config.ConfigLoader;
import dev.warden.config.PoolConfig;
import dev.warden.config.Role;
import dev.warden.config.RuntimeState;
import dev.warden.config.SnapshotCompiler;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;
import dev.warden.config.TenantConfig;
import dev.warden.config.UpstreamConfig;
import dev.warden.config.WardenConfig;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimPersonality;
import dev.warden.sim.SimServer;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreState;
import dev.warden.store.StoreSync;
import dev.warden.store.TenantSetting;
import dev.warden.store.jdbc.ControlStores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./warden demo}: the gateway, a simulated model server per upstream of the demo config
 * (two regions), a fresh API key per demo tenant and a fresh admin token, written to
 * {@code data/demo-credentials.json} and printed as ready-to-paste examples. Nothing secret is in
 * the repository: every key is generated at start and only its hash is served.
 */
public final class Demo {
    private final Vertx vertx;
    private final List<SimServer> sims = new ArrayList<>();
    private Gateway gateway;
    private ControlStore store;
    private StoreSync sync;
    private ControlPlane control;

    public Demo(Vertx vertx) {
        this.vertx = vertx;
    }

    /** The credentials the demo made: tenant id to key, plus the admin token. */
    public record Credentials(String adminToken, Map<String, String> keys) {
        @Override
        public String toString() {
            return "Credentials[<redacted>]";
        }
    }

    public Future<Credentials> start(Path configFile, Path dataDir, PrintStream out) throws IOException, ConfigException {
        DemoSecrets.generate(configFile, dataDir); // the providers' keys the config names, fresh: before it is loaded
        WardenConfig config = ConfigLoader.load(configFile);
        KeyHasher hasher = KeyHasher.fromFile(dataDir.resolve("keyhash.secret"));
        Map<String, String> keys = new LinkedHashMap<>();
        List<ApiKeyRecord> records = new ArrayList<>();
        for (String tenant : config.tenants().keySet()) {
            String key = ApiKeyFormat.generate();
            keys.put(tenant, key);
            records.add(new ApiKeyRecord(ApiKeyFormat.keyId(key), tenant, Role.DEVELOPER, null, hasher.hash(key), "runtime"));
        }
        List<ApiKeyRecord> demoKeys = List.copyOf(records);
        // The demo has a control store too (data/warden.db), so the admin API works in it.
        store = ControlStores.open(ControlStores.defaultUrl(dataDir));
        if (config.tenants().containsKey("globex")
                && store.settings().find("globex", "budgets").isEmpty()) {
            // A hard month budget for one demo tenant ($0.05, a few hundred gpt-sim calls): the
            // dashboard's spend chart has a budget line, and admission refuses past it (429 budget_exhausted).
            store.settings().put(new TenantSetting("globex", "budgets",
                    "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":50000,\"softPercent\":80,\"hard\":true,\"enforced\":true}]}",
                    System.currentTimeMillis()));
        }
        StoreState stored = new StoreState();
        stored.reload(store);
        RuntimeState runtime = new RuntimeState() {
            @Override
            public List<TenantConfig> tenants() {
                return stored.tenants();
            }

            @Override
            public Map<String, String> authSettings() {
                return stored.authSettings();
            }

            @Override
            public Map<String, String> overrideSettings() {
                return stored.overrideSettings();
            }

            @Override
            public Map<String, String> guardrailSettings() {
                return stored.guardrailSettings();
            }

            @Override
            public Map<String, String> fieldSettings() {
                return stored.fieldSettings();
            }

            @Override
            public Map<String, Map<String, Set<Role>>> roleBindings() {
                return stored.roleBindings();
            }

            @Override
            public List<ApiKeyRecord> keys() {
                List<ApiKeyRecord> all = new ArrayList<>(demoKeys);
                all.addAll(stored.keys());
                return all;
            }
        };
        SnapshotHolder holder = SnapshotHolder.fromFile(configFile, new SnapshotCompiler(hasher), runtime);
        sync = new StoreSync(vertx, store, stored, holder);
        control = ControlPlane.start(vertx, store, sync, holder, hasher, dataDir);
        AdminToken.Issued admin = AdminToken.issue(hasher);

        Future<Void> simsUp = Future.succeededFuture();
        for (PoolConfig pool : config.pools().values()) {
            for (UpstreamConfig up : pool.upstreams()) {
                SimServer sim = new SimServer(vertx, SimOptions.of(up.port(), up.region()).withPace(150, 40));
                if (up.credential().present()) { // the simulated provider wants the key Warden was given
                    sim.personality(new SimPersonality(up.provider(), SimPersonality.keyFile(up.credential().secret().file()),
                            up.apiVersion()));
                }
                sims.add(sim);
                simsUp = simsUp.compose(v -> sim.start().mapEmpty());
            }
        }
        return simsUp
                .compose(v -> Gateway.start(vertx, holder, hasher, admin.verifier(), Runtime.getRuntime().availableProcessors(),
                        control))
                .map(g -> {
                    gateway = g;
                    sync.start(holder.current().config().store().refreshMs());
                    Credentials creds = new Credentials(admin.token(), keys);
                    try {
                        writeCredentials(dataDir.resolve("demo-credentials.json"), holder.current().tenants(), creds);
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot write demo credentials: " + e.getMessage(), e);
                    }
                    printExamples(out, g, holder.current().tenants(), creds, dataDir);
                    return creds;
                });
    }

    public Gateway gateway() {
        return gateway;
    }

    public Future<Void> stop() {
        if (sync != null) {
            sync.stop();
        }
        Future<Void> chain = gateway == null ? Future.succeededFuture() : gateway.stop();
        for (SimServer s : sims) {
            chain = chain.eventually(s::stop);
        }
        return chain.eventually(() -> {
            if (control != null) {
                control.close();
            }
            if (store != null) {
                store.close();
            }
            return Future.succeededFuture();
        });
    }

    static void writeCredentials(Path file, Map<String, Tenant> tenants, Credentials creds) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("adminToken", creds.adminToken());
        ArrayNode list = root.putArray("tenants");
        for (Tenant t : tenants.values()) {
            ObjectNode n = list.addObject();
            n.put("id", t.id());
            n.put("apiKey", creds.keys().get(t.id()));
            n.put("region", t.regionLabel());
            t.models().forEach(n.putArray("models")::add);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, mapper.writeValueAsString(root) + "\n");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // non-POSIX file system
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void printExamples(PrintStream out, Gateway g, Map<String, Tenant> tenants, Credentials creds, Path dataDir) {
        String base = "http://127.0.0.1:" + g.dataPort();
        out.println();
        out.println("Warden demo is up.  data plane: " + base + "   admin plane: http://127.0.0.1:" + g.adminPort());
        out.println("Credentials (fresh each start): " + dataDir.resolve("demo-credentials.json"));
        for (Tenant t : tenants.values()) {
            String key = creds.keys().get(t.id());
            String model = t.models().contains("echo") ? "echo" : t.models().iterator().next();
            out.println();
            out.println("# tenant " + t.id() + "  (tier " + t.tier().name() + ", region " + t.regionLabel()
                    + ", models " + String.join(", ", t.models()) + ")");
            out.println("curl -s " + base + "/v1/models -H 'Authorization: Bearer " + key + "'");
            out.println("curl -s " + base + "/v1/chat/completions -H 'Authorization: Bearer " + key + "' \\");
            out.println("  -H 'Content-Type: application/json' \\");
            out.println("  -d '{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello from " + t.id() + "\"}]}'");
            out.println("curl -sN " + base + "/v1/chat/completions -H 'Authorization: Bearer " + key + "' \\");
            out.println("  -H 'Content-Type: application/json' \\");
            out.println("  -d '{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Stream please\"}]}'");
            out.println("python3 -c \"from openai import OpenAI; c = OpenAI(base_url='" + base + "/v1', api_key='" + key + "'); "
                    + "print(c.chat.completions.create(model='" + model + "', messages=[{'role':'user','content':'hi'}]).choices[0].message.content)\"");
        }
        Tenant all = tenants.get("acme");
        if (all != null && all.models().contains("claude-sim")) {
            String key = creds.keys().get("acme");
            out.println();
            out.println("# one OpenAI client, three providers (an OpenAI server with a key, Azure OpenAI, Anthropic):");
            out.println("# the platform's keys are in " + dataDir.resolve("demo-secrets") + "; tenants never see them");
            out.println("python3 -c \"from openai import OpenAI; c = OpenAI(base_url='" + base + "/v1', api_key='" + key + "'); "
                    + "[print(m, '->', c.chat.completions.create(model=m, messages=[{'role':'user','content':'hi'}]).choices[0].message.content) "
                    + "for m in ('keyed-gpt', 'azure-gpt', 'claude-sim')]\"");
            out.println("# an Anthropic client (its SDK sends the Warden key as x-api-key), on an Anthropic model or an OpenAI one");
            out.println("curl -s " + base + "/v1/messages -H 'x-api-key: " + key + "' -H 'anthropic-version: 2023-06-01' \\");
            out.println("  -H 'Content-Type: application/json' \\");
            out.println("  -d '{\"model\":\"claude-sim\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'");
        }
        String jobTenant = tenants.containsKey("acme") ? "acme" : tenants.keySet().iterator().next();
        String jobKey = creds.keys().get(jobTenant);
        out.println();
        out.println("# a long-running job on 2 GPUs for at most an hour: queued fairly, its worker renews its credential through");
        out.println("# Warden and reports the GPU time it ran (see usage); cancel it, or list yours");
        out.println("curl -s -X POST " + base + "/api/v1/tenants/" + jobTenant + "/jobs -H 'Authorization: Bearer " + jobKey + "' \\");
        out.println("  -H 'Content-Type: application/json' -d '{\"model\":\"gpt-sim\",\"kind\":\"training\",\"params\":{\"durationMs\":60000},"
                + "\"resources\":{\"gpus\":2,\"maxHours\":1}}'");
        out.println("curl -s " + base + "/api/v1/tenants/" + jobTenant + "/jobs -H 'Authorization: Bearer " + jobKey + "'");
        out.println();
        out.println("# admin plane");
        out.println("curl -s http://127.0.0.1:" + g.adminPort() + "/admin/v1/tenants -H 'Authorization: Bearer " + creds.adminToken() + "'");
        out.println("curl -s http://127.0.0.1:" + g.adminPort() + "/admin/v1/tenants/acme/keys -H 'Authorization: Bearer "
                + creds.adminToken() + "'");
        out.println("curl -s -X POST http://127.0.0.1:" + g.adminPort() + "/admin/v1/tenants -H 'Authorization: Bearer "
                + creds.adminToken() + "' -d '{\"id\":\"umbrella\",\"tier\":\"free\",\"regions\":[\"us\"],\"models\":[\"gpt-sim-mini\"]}'");
        out.println("curl -s http://127.0.0.1:" + g.adminPort() + "/metrics | grep warden_requests");
        out.println("curl -s http://127.0.0.1:" + g.adminPort() + "/admin/v1/tenants/globex/spend -H 'Authorization: Bearer "
                + creds.adminToken() + "'");
        out.println();
        out.println("# dashboard: open http://127.0.0.1:" + g.adminPort() + "/ and sign in with the admin token above");
        out.println("# (globex has a month budget of 50,000 micro-units: a few hundred gpt-sim calls raise its budget alerts, then 429)");
        out.println();
        out.println("Ctrl-C stops the demo.");
    }
}
