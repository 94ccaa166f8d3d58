package dev.warden;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import dev.warden.admin.AdminCli;
import dev.warden.admin.AdminToken;
import dev.warden.app.ControlPlane;
import dev.warden.app.Demo;
import dev.warden.app.Gateway;
import dev.warden.app.VertxFactory;
import dev.warden.config.ConfigException;
import dev.warden.config.ConfigLoader;
import dev.warden.config.ImportedKeys;
import dev.warden.config.ProviderKind;
import dev.warden.config.Role;
import dev.warden.config.SnapshotCompiler;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.WardenConfig;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditLog;
import dev.warden.record.AuditVerifier;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimPersonality;
import dev.warden.sim.SimServer;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreState;
import dev.warden.store.StoreSync;
import dev.warden.store.jdbc.ControlStores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** The command line: {@code serve}, {@code demo}, {@code sim}, {@code config check}, {@code keys new}. */
@Command(name = "warden", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "warden 0.1.0",
        description = "Multi-tenant API gateway for AI workloads.",
        subcommands = {CommandLine.HelpCommand.class, Warden.Serve.class, Warden.DemoCommand.class, Warden.Sim.class, Warden.ConfigCommand.class,
                Warden.Keys.class, Warden.Audit.class, Warden.Secrets.class, AdminCli.Tenants.class,
                AdminCli.Usage.class, AdminCli.Operators.class})
public final class Warden implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Warden()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** Blocks the main thread until SIGTERM/SIGINT, then runs {@code stop} with a deadline. */
    static void runUntilStopped(Vertx vertx, Runnable stop) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.err.println("warden: shutdown did not finish in 10 s");
            }
            stopped.countDown();
        }, "warden-shutdown"));
        stopped.await();
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            f.await(450, TimeUnit.SECONDS); // bounded by shutdownDelayMs (120 s) + drainMs (300 s) and the writers' last flush
        } catch (TimeoutException | RuntimeException e) {
            System.err.println("warden: stop did not finish cleanly: " + e);
        }
    }

    @Command(name = "serve", description = "Run the gateway with a config file.")
    static final class Serve implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, defaultValue = "warden.yaml", description = "config file (default: ${DEFAULT-VALUE})")
        Path config;

        @Override
        public Integer call() throws Exception {
            WardenConfig cfg;
            try {
                cfg = ConfigLoader.load(config);
            } catch (ConfigException e) {
                System.err.println("config " + config + " is not valid:");
                e.errors().forEach(err -> System.err.println("  " + err));
                return 2;
            }
            Path data = cfg.dataDir();
            KeyHasher hasher = KeyHasher.fromFile(data.resolve("keyhash.secret"));
            AdminToken.Issued admin = AdminToken.loadOrIssue(hasher, data.resolve("admin-token.hash"));
            if (admin.token() != null) {
                System.out.println("Admin token (shown once, only its hash is kept in " + data.resolve("admin-token.hash") + "):");
                System.out.println("  " + admin.token());
            }
            ControlStore store = ControlStores.open(cfg.storeUrl());
            StoreState state = new StoreState();
            state.reload(store);
            SnapshotHolder holder = SnapshotHolder.fromFile(config, new SnapshotCompiler(hasher), state);
            Vertx vertx = VertxFactory.create();
            StoreSync sync = new StoreSync(vertx, store, state, holder);
            ControlPlane control = ControlPlane.start(vertx, store, sync, holder, hasher, data);
            Gateway gateway = Gateway.start(vertx, holder, hasher, admin.verifier(), Runtime.getRuntime().availableProcessors(),
                    control).await(30, TimeUnit.SECONDS);
            sync.start(cfg.store().refreshMs());
            runUntilStopped(vertx, () -> {
                sync.stop();
                awaitQuietly(gateway.stop());
                control.close();
                store.close();
            });
            return 0;
        }
    }

    @Command(name = "demo", description = "Run the gateway, simulated model servers and demo tenants.")
    static final class DemoCommand implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, description = "demo config (default: examples/demo.yaml of the repository)")
        Path config;

        @Option(names = "--data-dir", description = "where credentials go (default: data/ of the repository)")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            Path home = Path.of(System.getenv().getOrDefault("WARDEN_HOME", "."));
            if (config == null) {
                config = home.resolve("examples/demo.yaml");
            }
            if (dataDir == null) {
                dataDir = home.resolve("data");
            }
            Vertx vertx = VertxFactory.create();
            Demo demo = new Demo(vertx);
            try {
                demo.start(config, dataDir, System.out).await(30, TimeUnit.SECONDS);
            } catch (ConfigException e) {
                System.err.println("demo config " + config + " is not valid:");
                e.errors().forEach(err -> System.err.println("  " + err));
                vertx.close();
                return 2;
            } catch (IOException e) { // a data directory it cannot use: said plainly, not as a stack trace
                System.err.println("demo: " + e.getMessage());
                vertx.close();
                return 2;
            }
            runUntilStopped(vertx, () -> awaitQuietly(demo.stop()));
            return 0;
        }
    }

    @Command(name = "sim", description = "Run a simulated OpenAI-compatible model server.")
    static final class Sim implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "8181", description = "port to listen on (default: ${DEFAULT-VALUE}; 0: any free one)") int port;
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})") String host;
        @Option(names = "--region", defaultValue = "eu", description = "the region it reports (X-Sim-Region; default: ${DEFAULT-VALUE})") String region;
        @Option(names = "--ttft-ms", defaultValue = "0", description = "time to first token (ms)") int ttft;
        @Option(names = "--tokens-per-second", defaultValue = "0", description = "stream pace, 0 = unpaced") int tps;
        @Option(names = "--instances", defaultValue = "1", description = "event loops") int instances;
        @Option(names = "--require-service-tokens", paramLabel = "JWKS_URL",
                description = "refuse (401) every request without a valid Warden service token, verified with the keys at this URL "
                        + "(Warden's admin-port /.well-known/jwks.json, re-read every 5 s); job credentials are verified too")
        String jwksUrl;
        @Option(names = "--pool", defaultValue = "main", description = "the audience (pool name) service tokens must carry") String pool;
        @Option(names = "--provider", defaultValue = "openai",
                description = "the provider to act as: openai, azure-openai (deployment paths, api-version, api-key) or anthropic (Messages API)")
        String provider;
        @Option(names = "--key-file", paramLabel = "FILE",
                description = "require this key (Bearer for openai, api-key for azure-openai, x-api-key for anthropic); the file is re-read when it changes")
        Path keyFile;
        @Option(names = "--api-version", description = "azure-openai: the api-version served (any if unset); anthropic: the anthropic-version required")
        String apiVersion;

        @Override
        public Integer call() throws Exception {
            Vertx vertx = VertxFactory.create();
            Supplier<JWKSet> keys = jwksUrl == null ? null : followJwks(jwksUrl);
            ProviderKind kind = ProviderKind.parse(provider);
            if (kind == null) {
                System.err.println("sim: --provider " + provider + " (expected: openai, azure-openai or anthropic)");
                return 2;
            }
            SimPersonality personality = new SimPersonality(kind, keyFile == null ? null : SimPersonality.keyFile(keyFile), apiVersion);
            for (int i = 0; i < Math.max(1, instances); i++) {
                SimServer sim = new SimServer(vertx, new SimOptions(host, port, region, ttft, tps, 16, SimOptions.DEFAULT_MODELS));
                sim.personality(personality);
                if (keys != null) {
                    sim.requireServiceTokens(keys, Gateway.SERVICE_TOKEN_ISSUER, pool);
                }
                sim.start().await(10, TimeUnit.SECONDS);
            }
            System.out.println("sim ready on http://" + host + ":" + port + " (region " + region + ", " + kind.id()
                    + (keyFile == null ? "" : ", key required") + ")" + (keys == null ? "" : ", requiring service tokens for pool " + pool));
            runUntilStopped(vertx, () -> { });
            return 0;
        }
    }

    /** Warden's JWKS, fetched now and every 5 s by a virtual thread (the sim's requests never wait for it). */
    static Supplier<JWKSet> followJwks(String url) {
        AtomicReference<JWKSet> current =
                new AtomicReference<>(new JWKSet());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Thread.ofVirtual().name("sim-jwks").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    String body = http.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
                    current.set(JWKSet.parse(body));
                } catch (IOException | ParseException e) {
                    System.err.println("sim: cannot read " + url + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return current::get;
    }

    @Command(name = "config", description = "Config tools.", subcommands = ConfigCheck.class)
    static final class ConfigCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            new CommandLine(this).usage(System.out);
            return 0;
        }
    }

    @Command(name = "check", description = "Validate a config file without starting anything.")
    static final class ConfigCheck implements Callable<Integer> {
        @Parameters(index = "0", description = "the config file") Path file;

        @Override
        public Integer call() {
            try {
                WardenConfig c = ConfigLoader.load(file);
                System.out.println(file + ": valid (" + c.tenants().size() + " tenants, " + c.models().size() + " models, "
                        + c.pools().size() + " pools)");
                return 0;
            } catch (ConfigException e) {
                System.err.println(file + ": " + e.errors().size() + " error(s)");
                e.errors().forEach(err -> System.err.println("  " + err));
                return 1;
            }
        }
    }

    @Command(name = "keys", description = "API keys: offline (new) or through the admin API (issue, list, rotate, revoke).",
            subcommands = {KeysNew.class, KeysImport.class, AdminCli.KeysIssue.class, AdminCli.KeysList.class,
                    AdminCli.KeysRotate.class, AdminCli.KeysRevoke.class})
    static final class Keys implements Callable<Integer> {
        @Override
        public Integer call() {
            new CommandLine(this).usage(System.out);
            return 0;
        }
    }

    @Command(name = "new", description = "Generate an API key and the config entry holding only its hash.")
    static final class KeysNew implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "data", description = "holds keyhash.secret (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--role", defaultValue = "developer", description = "developer, viewer, service or tenant-admin (default: ${DEFAULT-VALUE})") String role;

        @Override
        public Integer call() throws Exception {
            Files.createDirectories(dataDir);
            KeyHasher hasher = KeyHasher.fromFile(dataDir.resolve("keyhash.secret"));
            String key = ApiKeyFormat.generate();
            System.out.println("API key (shown once; give it to the tenant):");
            System.out.println("  " + key);
            System.out.println("Config entry (under tenants.<id>.keys):");
            System.out.println("  - id: " + ApiKeyFormat.keyId(key));
            System.out.println("    role: " + role);
            System.out.println("    hash: " + hasher.hashText(key));
            return 0;
        }
    }

    @Command(name = "import", description = "Hash a key issued elsewhere (read from standard input) into a config entry.")
    static final class KeysImport implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "data", description = "holds keyhash.secret (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--id", required = true, description = "the name it gets in Warden (4..32 of [a-z0-9])") String id;

        @Option(names = "--role", defaultValue = "developer", description = "developer, viewer, service or tenant-admin (default: ${DEFAULT-VALUE})") String role;

        @Override
        public Integer call() throws Exception {
            // from standard input, so the key is in no shell history and no process listing
            String key = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
            String problem = !ApiKeyFormat.isKeyId(id) ? "--id '" + id + "' (expected: 4..32 of [a-z0-9])"
                    : Role.parse(role) == null ? "--role '" + role + "' (expected one of: developer, viewer, service, tenant-admin)"
                    : ImportedKeys.problem(key);
            if (problem != null) {
                System.err.println("cannot import: " + problem);
                return 2;
            }
            Files.createDirectories(dataDir);
            KeyHasher hasher = KeyHasher.fromFile(dataDir.resolve("keyhash.secret"));
            System.out.println("Config entry (under tenants.<id>.keys):");
            System.out.println("  - id: " + id);
            System.out.println("    role: " + role);
            System.out.println("    imported: true");
            System.out.println("    hash: " + hasher.hashText(key));
            return 0;
        }
    }

    @Command(name = "audit", description = "Audit log tools.", subcommands = {AuditVerify.class, AuditExport.class})
    static final class Audit implements Callable<Integer> {
        @Override
        public Integer call() {
            new CommandLine(this).usage(System.out);
            return 0;
        }
    }

    /** Where the audit log is: a store URL (default: the data directory's SQLite store) and the secret's directory. */
    static class AuditSource {
        @Parameters(index = "0", arity = "0..1", description = "store URL (default: jdbc:sqlite:<data-dir>/warden.db)")
        String url;

        @Option(names = "--data-dir", defaultValue = "data", description = "holds audit.secret (default: ${DEFAULT-VALUE})")
        Path dataDir;

        ControlStore open() {
            return ControlStores.open(url != null ? url : ControlStores.defaultUrl(dataDir));
        }

        AuditChain chain() throws IOException {
            Path secret = dataDir.resolve("audit.secret");
            if (!Files.exists(secret)) {
                throw new IOException(secret + " not found: the audit secret of this deployment is needed to verify");
            }
            return new AuditChain(KeyHasher.secretFile(secret));
        }
    }

    @Command(name = "verify", description = "Check the whole audit chain; name the first bad record.")
    static final class AuditVerify extends AuditSource implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (ControlStore store = open()) {
                AuditLog.Head head = store.audit().head();
                var result = AuditVerifier.verify(store.audit().all(), head.seq(), head.mac(), chain());
                if (result.ok()) {
                    System.out.println("audit chain intact: " + result.records() + " records, head " + head.seq());
                    return 0;
                }
                System.out.println("audit chain BROKEN at record " + result.firstBadSeq() + ": " + result.problem());
                return 1;
            }
        }
    }

    @Command(name = "export", description = "Print the audit log as JSON lines.")
    static final class AuditExport extends AuditSource implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ObjectMapper mapper = new ObjectMapper();
            try (ControlStore store = open()) {
                for (var r : store.audit().all()) {
                    var n = mapper.valueToTree(r.event());
                    ((ObjectNode) n).put("seq", r.seq()).put("mac", r.mac());
                    System.out.println(mapper.writeValueAsString(n));
                }
            }
            return 0;
        }
    }

    @Command(name = "secrets", description = "The key-encryption key: a new key, and rotation to it.",
            subcommands = {SecretsNewKey.class, SecretsInit.class, SecretsRotate.class})
    static final class Secrets implements Callable<Integer> {
        @Override
        public Integer call() {
            new CommandLine(this).usage(System.out);
            return 0;
        }
    }

    @Command(name = "new-key", description = "Print a new random key-encryption key as a ring line (<id>:<base64>).")
    static final class SecretsNewKey implements Callable<Integer> {
        @Parameters(index = "0", description = "the key's id: 1..32 of [a-z0-9-], e.g. 2026-12")
        String id;

        @Override
        public Integer call() {
            if (!id.matches("[a-z0-9][a-z0-9-]{0,31}")) {
                System.err.println("key id '" + id + "': expected 1..32 of [a-z0-9-]");
                return 2;
            }
            System.out.println(dev.warden.crypto.KeyRing.newKeyLine(id));
            return 0;
        }
    }

    @Command(name = "init", description = "Create the sealed secrets every replica shares (keyhash.secret, audit.secret, "
            + "admin-token.hash) in a directory, for a Kubernetes Secret; needs WARDEN_KEK_FILE or WARDEN_KEK.")
    static final class SecretsInit implements Callable<Integer> {
        @Option(names = "--data-dir", required = true, description = "where to write them (a new or empty directory is best)")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            String file = System.getenv("WARDEN_KEK_FILE");
            String value = System.getenv("WARDEN_KEK");
            if ((file == null || file.isBlank()) && (value == null || value.isBlank())) {
                System.err.println("secrets init: set WARDEN_KEK_FILE (or WARDEN_KEK) to the key-encryption key the replicas will use:"
                        + " a key generated here would not travel with the secrets");
                return 2;
            }
            Files.createDirectories(dataDir);
            var ring = dev.warden.crypto.KeyRing.load(System::getenv, dataDir);
            for (String name : dev.warden.app.KeyRotation.SECRET_FILES) {
                boolean existed = Files.exists(dataDir.resolve(name));
                dev.warden.crypto.SecretFiles.read(dataDir.resolve(name), ring);
                System.out.println((existed ? "kept    " : "created ") + dataDir.resolve(name));
            }
            KeyHasher hasher = new KeyHasher(dev.warden.crypto.SecretFiles.read(dataDir.resolve("keyhash.secret"), ring));
            AdminToken.Issued admin = AdminToken.loadOrIssue(hasher, dataDir.resolve("admin-token.hash"));
            if (admin.token() != null) {
                System.out.println("created " + dataDir.resolve("admin-token.hash") + "; the admin token (shown once):");
                System.out.println("  " + admin.token());
            } else {
                System.out.println("kept    " + dataDir.resolve("admin-token.hash"));
            }
            return 0;
        }
    }

    @Command(name = "rotate", description = "Re-wrap every sealed secret and payload under the ring's first key "
            + "(WARDEN_KEK_FILE or WARDEN_KEK: the new key first, the old one after it).")
    static final class SecretsRotate implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", description = "store URL (default: jdbc:sqlite:<data-dir>/warden.db)")
        String url;

        @Option(names = "--data-dir", defaultValue = "data", description = "holds the sealed secret files (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            var ring = dev.warden.crypto.KeyRing.load(System::getenv, dataDir);
            try (ControlStore store = ControlStores.open(url != null ? url : ControlStores.defaultUrl(dataDir))) {
                var report = dev.warden.app.KeyRotation.rotate(ring, dataDir, store);
                System.out.println("re-wrapped under key '" + ring.currentId() + "': " + report.files() + " secret files, "
                        + report.payloads() + " payloads; the other keys (" + String.join(", ", ring.ids().subList(1, ring.ids().size()))
                        + ") may now leave the ring");
                return 0;
            } catch (java.io.UncheckedIOException e) {
                System.err.println("rotation stopped: " + e.getCause().getMessage());
                return 1;
            } catch (IOException e) {
                System.err.println("rotation stopped: " + e.getMessage());
                return 1;
            }
        }
    }
}
