package dev.warden.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's ./mvnw and ./warden scripts, run for real against a Maven distribution served on
 * loopback (a tarball whose bin/mvn records its arguments): fetched once, checked against its
 * digest, reused; and ./warden falls back to the wrapper when no mvn is on PATH.
 */
class MavenWrapperTest {
  private static final Path REPO = Path.of("").toAbsolutePath();
  private static final String CENTRAL = "https://repo.maven.apache.org/maven2";

  @TempDir Path dir;
  private HttpServer server;
  private final AtomicInteger fetches = new AtomicInteger();
  private byte[] tarball;

  @BeforeEach
  void serveFakeMaven() throws Exception {
    tarball = fakeDistribution();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/maven2/org/apache/maven/apache-maven/9.9.9/apache-maven-9.9.9-bin.tar.gz", ex -> {
      fetches.incrementAndGet();
      ex.sendResponseHeaders(200, tarball.length);
      ex.getResponseBody().write(tarball);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void fetchesThePinnedMavenOnceChecksItAndPassesTheArguments() throws Exception {
    Path project = project(sha256(tarball), CENTRAL);
    Result first = run(project, List.of("./mvnw", "-v", "two words"), env());
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output()).contains("fake maven 9.9.9 args: -v|two words|");
    assertThat(fetches).hasValue(1);

    Result second = run(project, List.of("./mvnw", "package"), env());
    assertThat(second.output()).contains("args: package|");
    assertThat(fetches).as("the distribution is reused, not fetched again").hasValue(1);
  }

  @Test
  void refusesADistributionWhoseDigestDiffers() throws Exception {
    Path project = project("0".repeat(64), CENTRAL);
    Result r = run(project, List.of("./mvnw", "-v"), env());
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("refused").doesNotContain("fake maven");
    try (var installed = Files.walk(dir.resolve("m2"))) {
      assertThat(installed.filter(p -> p.endsWith("mvn")).toList()).as("nothing installed").isEmpty();
    }
  }

  @Test
  void refusesToRunWithoutADigest() throws Exception {
    Path project = project("", CENTRAL);
    Result r = run(project, List.of("./mvnw", "-v"), env());
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("distributionSha256Sum is missing");
    assertThat(fetches).hasValue(0);
  }

  @Test
  void theRepositoryPinsAMavenThatTheEnforcerAccepts() throws Exception {
    String props = Files.readString(REPO.resolve(".mvn/wrapper/maven-wrapper.properties"));
    assertThat(props).containsPattern("distributionUrl=" + CENTRAL.replace(".", "\\.")
        + "/org/apache/maven/apache-maven/3\\.9\\.\\d+/apache-maven-3\\.9\\.\\d+-bin\\.tar\\.gz")
        .containsPattern("distributionSha256Sum=[0-9a-f]{64}");
    assertThat(Files.readString(REPO.resolve("pom.xml"))).contains("<version>[3.8.7,)</version>");
  }

  @Test
  void theLauncherUsesTheWrapperWhenNoMavenIsOnPath() throws Exception {
    Path project = project(sha256(tarball), CENTRAL);
    Files.createDirectories(project.resolve("scripts"));
    copy(REPO.resolve("warden"), project.resolve("warden"));
    copy(REPO.resolve("scripts/find-java.sh"), project.resolve("scripts/find-java.sh"));
    Map<String, String> env = env();
    env.put("PATH", pathWithoutMaven().toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));

    Result r = run(project, List.of("./warden", "test", "-Dtest=Nothing"), env);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("fake maven 9.9.9 args: -B|-ntp|-Dstyle.color=never|test|-Dtest=Nothing|");
    assertThat(fetches).hasValue(1);
  }

  private Map<String, String> env() {
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put("MAVEN_USER_HOME", dir.resolve("m2").toString());
    env.put("MVNW_REPOURL", "http://127.0.0.1:" + server.getAddress().getPort() + "/maven2");
    return env;
  }

  /** A copy of ./mvnw beside properties that pin the fake 9.9.9 with the given digest. */
  private Path project(String digest, String base) throws IOException {
    Path project = Files.createDirectories(dir.resolve("project"));
    Files.createDirectories(project.resolve(".mvn/wrapper"));
    copy(REPO.resolve("mvnw"), project.resolve("mvnw"));
    Files.writeString(project.resolve(".mvn/wrapper/maven-wrapper.properties"),
        "distributionUrl=" + base + "/org/apache/maven/apache-maven/9.9.9/apache-maven-9.9.9-bin.tar.gz\n"
            + (digest.isEmpty() ? "" : "distributionSha256Sum=" + digest + "\n"));
    return project;
  }

  /** apache-maven-9.9.9/bin/mvn that prints its arguments, packed as the real distribution is. */
  private byte[] fakeDistribution() throws Exception {
    Path build = Files.createDirectories(dir.resolve("dist/apache-maven-9.9.9/bin"));
    Path mvn = build.resolve("mvn");
    Files.writeString(mvn, "#!/bin/sh\nprintf 'fake maven 9.9.9 args: '\nfor a in \"$@\"; do printf '%s|' \"$a\"; done\necho\n");
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path tgz = dir.resolve("dist.tar.gz");
    Result tar = run(dir.resolve("dist"), List.of("tar", "-czf", tgz.toString(), "apache-maven-9.9.9"), System.getenv());
    assertThat(tar.exit()).as(tar.output()).isZero();
    return Files.readAllBytes(tgz);
  }

  /** A PATH with every tool of /usr/bin and /bin except mvn. */
  private Path pathWithoutMaven() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String d : List.of("/usr/bin", "/bin")) {
      try (var tools = Files.list(Path.of(d))) {
        for (Path tool : tools.toList()) {
          Path link = bin.resolve(tool.getFileName().toString());
          if (!tool.getFileName().toString().equals("mvn") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, tool);
          }
        }
      }
    }
    return bin;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private record Result(int exit, String output) {}

  private static Result run(Path cwd, List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished in time").isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
