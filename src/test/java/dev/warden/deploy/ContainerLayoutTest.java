package dev.warden.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No container engine runs here, so the image's steps are exercised without one
 * (deploy/container/layout.sh): the jlink'd runtime with only deploy/container/java-modules, the
 * image's warden.yaml, Warden started as the image starts it, its health check passing, and
 * nothing written outside the data volume and /tmp.
 */
class ContainerLayoutTest {
    @Test
    void theImagesLayoutStartsOnItsOwnRuntimeAndPassesItsHealthCheck(@TempDir Path out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("deploy/container/layout.sh", out.toString(), "-").redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("WARDEN_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("DATA_PORT", Integer.toString(freePort()));
        pb.environment().put("ADMIN_PORT", Integer.toString(freePort()));
        Process p = pb.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("/readyz passes").contains("nothing written outside /var/lib/warden and /tmp");
        assertThat(out.resolve("var/lib/warden/keyhash.secret")).as("Warden's files are in the volume").exists();
        assertThat(out.resolve("opt/warden/jre/bin/java")).exists();
        assertThat(out.resolve("opt/warden/jre/lib/modules")).as("a runtime of its own, not the JDK").exists();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
