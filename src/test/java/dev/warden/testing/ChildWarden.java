package dev.warden.testing;

import dev.warden.Warden;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Warden in a process of its own ({@code warden serve --config ...}, this test run's classpath
 * and JDK), for what only a process can show: SIGTERM, SIGKILL, a restart. Its output goes to
 * {@code log}.
 */
public final class ChildWarden implements AutoCloseable {
    public final Process process;
    public final Path log;
    public final int adminPort;

    private ChildWarden(Process process, Path log, int adminPort) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
    }

    /** Starts {@code config} (whose admin listener is on {@code adminPort}) and waits (60 s at most) until it is ready. */
    public static ChildWarden start(Path config, int adminPort, Path log) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Warden.class.getName(),
                "serve", "--config", config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ChildWarden child = new ChildWarden(p, log, adminPort);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!child.ready()) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                p.destroyForcibly();
                throw new AssertionError("the child Warden did not become ready (log: " + log + ")");
            }
            Thread.sleep(100);
        }
        return child;
    }

    /** Whether its {@code /readyz} answers 200. */
    public boolean ready() {
        try {
            return Http.get("http://127.0.0.1:" + adminPort + "/readyz").statusCode() == 200;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** A port free now (for a child's listeners). */
    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
