package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.Warden;
import dev.warden.app.VertxFactory;
import dev.warden.crypto.KeyHasher;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimServer;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three Warden processes sharing one PostgreSQL control store: a key issued through one replica's
 * admin API works on all three, and a revocation through it stops the key on all three, each
 * within one second.
 */
class ClusterPropagationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Milliseconds until every replica answers {@code expected} for the key (fails past the deadline). */
    private static long untilAll(List<Integer> ports, String key, int expected, long deadlineMs) throws Exception {
        long start = System.nanoTime();
        for (int port : ports) {
            while (Http.post("http://127.0.0.1:" + port + "/v1/chat/completions", chat("gpt-sim", "hi"),
                    "Authorization", bearer(key)).statusCode() != expected) {
                assertThat((System.nanoTime() - start) / 1_000_000).as("replica :%d did not answer %d in time", port, expected)
                        .isLessThan(deadlineMs);
                Thread.sleep(20);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aKeyIssuedOrRevokedOnOneReplicaReachesAllThreeWithinASecond() throws Exception {
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        Vertx vertx = VertxFactory.create();
        List<Process> processes = new ArrayList<>();
        Path dir = Files.createTempDirectory("warden-cluster");
        try {
            SimServer sim = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
            Path secret = dir.resolve("keyhash.secret");
            KeyHasher.fromFile(secret); // one hashing secret, shared by every replica (sealed with one key-encryption key)
            List<Integer> dataPorts = new ArrayList<>();
            List<Integer> adminPorts = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path data = Files.createDirectories(dir.resolve("replica" + i));
                Files.copy(secret, data.resolve("keyhash.secret"));
                Files.copy(dir.resolve("kek.secret"), data.resolve("kek.secret"));
                int dataPort = freePort();
                int adminPort = freePort();
                dataPorts.add(dataPort);
                adminPorts.add(adminPort);
                Path config = dir.resolve("warden" + i + ".yaml");
                // The periodic refresh is set to a minute: changes within the second must come from LISTEN/NOTIFY.
                Files.writeString(config, """
                        listeners: { data: { host: 127.0.0.1, port: %d }, admin: { host: 127.0.0.1, port: %d } }
                        dataDir: %s
                        store: { url: "%s", refreshMs: 60000 }
                        pools: { main: { upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ] } }
                        models: { gpt-sim: { pool: main } }
                        tiers: { basic: { description: b } }
                        """.formatted(dataPort, adminPort, data, url, sim.port()));
                Path log = dir.resolve("replica" + i + ".log");
                logs.add(log);
                String javaBin = ProcessHandle.current().info().command().orElse("java");
                processes.add(new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Warden.class.getName(),
                        "serve", "--config", config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            for (int port : adminPorts) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!readyz(port)) {
                    assertThat(System.nanoTime()).as("replica with admin :%d ready", port).isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            String token = Files.readAllLines(logs.get(0)).stream().map(String::strip).filter(l -> l.startsWith("wda_"))
                    .findFirst().orElseThrow();
            String admin = "http://127.0.0.1:" + adminPorts.get(0);
            assertThat(Http.call("POST", admin + "/admin/v1/tenants",
                    "{\"id\":\"delta\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"gpt-sim\"]}",
                    "Authorization", bearer(token)).statusCode()).isEqualTo(201);
            // Warm-up, unmeasured: each replica's first answers (200 and 401) and the notification path
            // run once, so the bound below measures propagation, not a cold JVM's first request.
            var warm = JSON.readTree(Http.call("POST", admin + "/admin/v1/tenants/delta/keys", "{}",
                    "Authorization", bearer(token)).body());
            for (int round = 0; round < 10; round++) {
                untilAll(dataPorts, warm.path("key").asText(), 200, 30_000);
            }
            assertThat(Http.call("DELETE", admin + "/admin/v1/tenants/delta/keys/" + warm.path("keyId").asText(), null,
                    "Authorization", bearer(token)).statusCode()).isEqualTo(204);
            untilAll(dataPorts, warm.path("key").asText(), 401, 30_000);

            var issued = JSON.readTree(Http.call("POST", admin + "/admin/v1/tenants/delta/keys", "{}",
                    "Authorization", bearer(token)).body());
            String key = issued.path("key").asText();

            assertThat(untilAll(dataPorts, key, 200, 1000)).isLessThan(1000);
            assertThat(Http.call("DELETE", admin + "/admin/v1/tenants/delta/keys/" + issued.path("keyId").asText(), null,
                    "Authorization", bearer(token)).statusCode()).isEqualTo(204);
            assertThat(untilAll(dataPorts, key, 401, 1000)).isLessThan(1000);
        } finally {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            vertx.close().await(10, TimeUnit.SECONDS);
            Databases.drop(url);
        }
    }

    private static boolean readyz(int port) {
        try {
            return Http.get("http://127.0.0.1:" + port + "/readyz").statusCode() == 200;
        } catch (RuntimeException notYet) {
            return false;
        }
    }
}
