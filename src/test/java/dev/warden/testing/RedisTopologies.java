package dev.warden.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real Redis topologies started on loopback for the tests: a Redis Cluster of three masters with
 * a replica each ({@code redis-server --cluster-enabled yes} x6 and {@code redis-cli --cluster
 * create}), and a master with a replica watched by one Sentinel. Each is started once per test JVM
 * (a few seconds) and stopped at its exit; nothing is kept on disk. Where {@code redis-server} is
 * missing the calling test is skipped, or fails under {@code WARDEN_REQUIRE_SERVICES=1} (CI).
 */
public final class RedisTopologies {
    private static Cluster cluster;
    private static Sentinel sentinel;

    private RedisTopologies() {
    }

    /** Three masters (each with a replica) sharing the 16384 slots. */
    public record Cluster(List<Integer> ports, List<Process> nodes) {
        /** The seed URLs a client is given (every node: any of them answers CLUSTER SLOTS). */
        public List<String> urls() {
            return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
        }

        /** redis-cli against one node, e.g. {@code cli(port, "CLUSTER", "FAILOVER")}. */
        public String cli(int port, String... args) throws Exception {
            return RedisTopologies.cli(port, args);
        }

        /** The port of the master serving {@code key}'s slot. */
        public int masterOf(String key) throws Exception {
            String slot = cli(ports.get(0), "CLUSTER", "KEYSLOT", key).strip();
            for (String line : cli(ports.get(0), "CLUSTER", "NODES").split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")) {
                    for (int i = 8; i < f.length; i++) {
                        String[] range = f[i].split("-");
                        int lo = Integer.parseInt(range[0]);
                        int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                        if (lo <= Integer.parseInt(slot) && Integer.parseInt(slot) <= hi) {
                            return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                        }
                    }
                }
            }
            throw new IllegalStateException("no master for slot " + slot);
        }

        /** The ports of the nodes that are masters now (failovers swap roles). */
        public List<Integer> masters() throws Exception {
            List<Integer> masters = new ArrayList<>();
            for (int port : ports) {
                if (cli(port, "INFO", "replication").contains("role:master")) {
                    masters.add(port);
                }
            }
            return masters;
        }

        /** The node id of the node at {@code port}. */
        public String nodeId(int port) throws Exception {
            return cli(port, "CLUSTER", "MYID").strip();
        }

        /**
         * Moves {@code key}'s slot, with its keys, from one master to another, the way resharding
         * does: importing/migrating, MIGRATE of the keys, then the new owner told to every master.
         */
        public void moveSlotOf(String key, int from, int to) throws Exception {
            String slot = cli(from, "CLUSTER", "KEYSLOT", key).strip();
            String fromId = nodeId(from);
            String toId = nodeId(to);
            cli(to, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
            cli(from, "CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
            for (String k : cli(from, "CLUSTER", "GETKEYSINSLOT", slot, "1000").split("\n")) {
                if (!k.isBlank()) {
                    String out = cli(from, "MIGRATE", "127.0.0.1", Integer.toString(to), k.strip(), "0", "5000");
                    if (!out.contains("OK") && !out.contains("NOKEY")) {
                        throw new IllegalStateException("MIGRATE " + k + ": " + out);
                    }
                }
            }
            for (int port : masters()) {
                cli(port, "CLUSTER", "SETSLOT", slot, "NODE", toId);
            }
            for (int port : ports) {
                awaitOutput(port, "cluster_state:ok", "CLUSTER", "INFO");
            }
        }

        /** A replica of the master at {@code masterPort}. */
        public int replicaOf(int masterPort) throws Exception {
            String masterId = null;
            String nodes = cli(ports.get(0), "CLUSTER", "NODES");
            for (String line : nodes.split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[1].startsWith("127.0.0.1:" + masterPort + "@")) {
                    masterId = f[0];
                }
            }
            for (String line : nodes.split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 3 && f[2].contains("slave") && f[3].equals(masterId)) {
                    return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                }
            }
            throw new IllegalStateException("no replica of " + masterPort);
        }
    }

    /** A master, its replica and one Sentinel watching them as {@link #MASTER}. */
    public record Sentinel(int masterPort, int replicaPort, int sentinelPort, List<Process> processes) {
        public static final String MASTER = "wardenmaster";

        public String url() {
            return "redis://127.0.0.1:" + sentinelPort;
        }

        /** The port Sentinel names as the master now. */
        public int currentMaster() throws Exception {
            String[] out = cli(sentinelPort, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER).strip().split("\n");
            return Integer.parseInt(out[out.length - 1].strip());
        }

        public String cli(int port, String... args) throws Exception {
            return RedisTopologies.cli(port, args);
        }
    }

    private static boolean available() {
        try {
            Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The cluster, started at the first call. */
    public static synchronized Cluster cluster() throws Exception {
        Databases.requireService(available(), "redis-server", "PATH", "the tests of Redis Cluster and Sentinel");
        if (cluster == null) {
            cluster = startCluster();
        }
        return cluster;
    }

    /** The Sentinel setup, started at the first call. */
    public static synchronized Sentinel sentinel() throws Exception {
        Databases.requireService(available(), "redis-server", "PATH", "the tests of Redis Cluster and Sentinel");
        if (sentinel == null) {
            sentinel = startSentinel();
        }
        return sentinel;
    }

    private static Cluster startCluster() throws Exception {
        Path dir = Files.createTempDirectory("warden-redis-cluster");
        List<Integer> ports = new ArrayList<>();
        List<Process> nodes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int port = freeClusterPort(ports);
            ports.add(port);
            Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
            nodes.add(server(nodeDir, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                    "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(), "--cluster-node-timeout", "2000",
                    "--save", "", "--appendonly", "no", "--dir", nodeDir.toString()));
        }
        stopAtExit(nodes, dir);
        for (int port : ports) {
            awaitPing(port);
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
        for (int port : ports) {
            awaitOutput(port, "cluster_state:ok", "CLUSTER", "INFO");
        }
        return new Cluster(ports, nodes);
    }

    private static Sentinel startSentinel() throws Exception {
        Path dir = Files.createTempDirectory("warden-redis-sentinel");
        int master = freePort();
        int replica = freePort();
        int sentinelPort = freePort();
        List<Process> processes = new ArrayList<>();
        processes.add(server(dir, "--port", Integer.toString(master), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        processes.add(server(dir, "--port", Integer.toString(replica), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--replicaof", "127.0.0.1", Integer.toString(master)));
        stopAtExit(processes, dir);
        awaitPing(master);
        awaitPing(replica);
        awaitOutput(replica, "master_link_status:up", "INFO", "replication");
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(conf, String.join("\n",
                "port " + sentinelPort, "bind 127.0.0.1", "dir " + dir,
                "sentinel monitor " + Sentinel.MASTER + " 127.0.0.1 " + master + " 1",
                "sentinel down-after-milliseconds " + Sentinel.MASTER + " 1000",
                "sentinel failover-timeout " + Sentinel.MASTER + " 5000", ""));
        processes.add(new ProcessBuilder("redis-server", conf.toString(), "--sentinel").redirectErrorStream(true)
                .redirectOutput(dir.resolve("sentinel.log").toFile()).start());
        awaitPing(sentinelPort);
        awaitOutput(sentinelPort, "slaves=1", "INFO", "sentinel");
        return new Sentinel(master, replica, sentinelPort, processes);
    }

    private static Process server(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + args[1] + ".log").toFile()).start();
    }

    private static void stopAtExit(List<Process> processes, Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            processes.forEach(Process::destroy);
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory: the OS cleans it eventually
            }
        }));
    }

    static String cli(int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static void awaitPing(int port) throws Exception {
        awaitOutput(port, "PONG", "PING");
    }

    /** Waits (20 s at most) until the command's output contains {@code expected}. */
    public static void awaitOutput(int port, String expected, String... command) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = cli(port, command);
            if (last.contains(expected)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis at " + port + ": no '" + expected + "' in: " + last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A free port whose cluster bus port (+10000) is free and valid too, and that is none of
     * {@code taken} (whose servers may not have bound theirs yet).
     */
    private static int freeClusterPort(List<Integer> taken) throws IOException {
        for (int i = 0; i < 100; i++) {
            int port = 20000 + (int) (Math.random() * 20000);
            if (taken.stream().anyMatch(t -> t == port || Math.abs(t - port) == 10000)) {
                continue;
            }
            try (ServerSocket a = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 ServerSocket b = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port pair for a cluster node");
    }
}
