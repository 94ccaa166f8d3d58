package dev.warden.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.app.KeyRotation;
import dev.warden.config.ConfigLoader;
import dev.warden.config.WardenConfig;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests and the Dockerfile agree with what Warden actually listens on and reads:
 * the ConfigMap's warden.yaml loads (with the Deployment's environment and its mounted Secrets
 * materialised in a directory), its ports are the container's, the probes are the admin port's real
 * health routes, the data directory is the writable volume holding the shared sealed secrets, and
 * every Secret key a manifest names exists.
 */
class DeploymentManifestsTest {
    private static final Path K8S = Path.of("deploy/kubernetes");
    private static final Path CONTAINER = Path.of("deploy/container");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final List<JsonNode> DOCS = new ArrayList<>();
    private static JsonNode deployment;
    private static JsonNode container;

    @BeforeAll
    static void readManifests() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNext()) {
                        JsonNode doc = (JsonNode) it.next();
                        if (doc != null && !doc.isEmpty()) {
                            DOCS.add(doc);
                        }
                    }
                }
            }
        }
        deployment = only("Deployment", "warden");
        container = deployment.at("/spec/template/spec/containers/0");
    }

    private static JsonNode only(String kind, String name) {
        List<JsonNode> found = DOCS.stream().filter(d -> kind.equals(d.path("kind").asText())
                && name.equals(d.at("/metadata/name").asText())).toList();
        assertThat(found).as(kind + " " + name).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> all(String kind) {
        return DOCS.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    private static int containerPort(String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + name);
    }

    private static JsonNode volume(String name) {
        for (JsonNode v : deployment.at("/spec/template/spec/volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** The Secret's keys (stringData or data). */
    private static Set<String> secretKeys(String name) {
        JsonNode s = only("Secret", name);
        Set<String> keys = new HashSet<>();
        s.path("stringData").fieldNames().forEachRemaining(keys::add);
        s.path("data").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        JsonNode k = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        Set<String> listed = new HashSet<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(K8S)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    @Test
    void theConfigMapsWardenYamlLoadsWithTheDeploymentsEnvironmentAndMounts(@TempDir Path root) throws Exception {
        String args = String.join(" ", YAML.convertValue(container.path("args"), String[].class));
        Matcher m = Pattern.compile("--config (\\S+)").matcher(args);
        assertThat(m.find()).as("the container names its config file: " + args).isTrue();
        String configPath = m.group(1);

        // every mount materialised under root: config maps and secrets as their keys' files
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode vm : container.path("volumeMounts")) {
            String mountPath = vm.path("mountPath").asText();
            JsonNode v = volume(vm.path("name").asText());
            Path at = root.resolve(mountPath.substring(1));
            Map<String, String> files = new HashMap<>();
            if (v.has("configMap")) {
                only("ConfigMap", v.at("/configMap/name").asText()).path("data").fields()
                        .forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
            } else if (v.has("secret")) {
                String secret = v.at("/secret/secretName").asText();
                secretKeys(secret).forEach(key -> files.put(key, "placeholder of " + secret + "/" + key));
            }
            if (vm.has("subPath")) {
                assertThat(files).as(mountPath + " mounts key " + vm.path("subPath").asText()).containsKey(vm.path("subPath").asText());
                Files.createDirectories(at.getParent());
                Files.writeString(at, files.get(vm.path("subPath").asText()));
            } else {
                Files.createDirectories(at);
                for (var f : files.entrySet()) {
                    Files.writeString(at.resolve(f.getKey()), f.getValue());
                }
            }
            mounts.put(mountPath, vm.path("readOnly").asBoolean(false) ? "ro" : "rw");
        }
        Path configFile = root.resolve(configPath.substring(1));
        assertThat(configFile).as("the config file is in a mounted ConfigMap").exists();

        Map<String, String> env = new HashMap<>();
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(secretKeys(ref.path("name").asText())).as("secret " + ref.path("name").asText()).contains(ref.path("key").asText());
                env.put(e.path("name").asText(), only("Secret", ref.path("name").asText()).at("/stringData/" + ref.path("key").asText()).asText());
            } else {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        // absolute paths in the config point into the mounts: rewritten under root
        String yaml = Files.readString(configFile);
        String alternatives = String.join("|", mounts.keySet().stream().sorted((a, b) -> b.length() - a.length()).map(Pattern::quote).toList());
        yaml = Pattern.compile("(?<=[\\s\"':])(" + alternatives + ")(?=[/\\s\"]|$)", Pattern.MULTILINE).matcher(yaml)
                .replaceAll(r -> Matcher.quoteReplacement(root + r.group(1)));
        WardenConfig config = ConfigLoader.parse(yaml, configFile.getParent(), env::get);

        assertThat(config.dataListener().port()).isEqualTo(containerPort("data"));
        assertThat(config.adminListener().port()).isEqualTo(containerPort("admin"));
        assertThat(config.dataListener().host()).isEqualTo("0.0.0.0");
        assertThat(config.store().url()).as("PostgreSQL from the store Secret").startsWith("jdbc:postgresql://");
        assertThat(config.limiter().redisStore()).isTrue();
        assertThat(config.limiter().redisUrl()).startsWith("redis://");

        // the data directory: the writable volume, holding the shared sealed secrets read-only
        String dataDir = config.dataDir().toString().replace(root.toString(), "");
        assertThat(mounts).containsEntry(dataDir, "rw");
        assertThat(volume(nameOfMount(dataDir)).has("emptyDir")).isTrue();
        List<String> shared = new ArrayList<>(KeyRotation.SECRET_FILES);
        shared.add("admin-token.hash");
        for (String file : shared) {
            assertThat(mounts).as(file + " in the data directory").containsEntry(dataDir + "/" + file, "ro");
            assertThat(root.resolve(dataDir.substring(1)).resolve(file)).exists();
        }
        assertThat(env.get("WARDEN_KEK_FILE")).as("the KEK is a mounted Secret's file").isNotNull();
        assertThat(root.resolve(env.get("WARDEN_KEK_FILE").substring(1))).exists();
        assertThat(mounts).as("a writable /tmp (native libraries, uploads)").containsEntry("/tmp", "rw");
    }

    private static String nameOfMount(String mountPath) {
        for (JsonNode vm : container.path("volumeMounts")) {
            if (vm.path("mountPath").asText().equals(mountPath)) {
                return vm.path("name").asText();
            }
        }
        throw new AssertionError("no mount at " + mountPath);
    }

    @Test
    void probesUseTheAdminPortsRealHealthRoutes() throws Exception {
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("admin");
        }
        try (TestGateway gw = new TestGateway()) { // the routes answer where the probes look
            assertThat(Http.get(gw.adminUrl("/readyz")).statusCode()).isEqualTo(200);
            assertThat(Http.get(gw.adminUrl("/healthz")).statusCode()).isEqualTo(200);
            assertThat(Http.get(gw.dataUrl("/readyz")).statusCode()).as("not on the data port").isNotEqualTo(200);
        }
    }

    @Test
    void shutdownRemovesTheEndpointBeforeTheListenerClosesAndDrainsWithinTheGracePeriod() throws Exception {
        int preStop = container.at("/lifecycle/preStop/sleep/seconds").asInt();
        assertThat(preStop).isGreaterThanOrEqualTo(5);
        String yaml = only("ConfigMap", "warden-config").at("/data/warden.yaml").asText();
        Matcher drain = Pattern.compile("drainMs: (\\d+)").matcher(yaml);
        assertThat(drain.find()).isTrue();
        int grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
        assertThat(preStop + Integer.parseInt(drain.group(1)) / 1000).as("preStop + drain fit in the grace period").isLessThan(grace);
    }

    @Test
    void thePodRunsAsNonRootOnAReadOnlyRootFileSystem() {
        assertThat(deployment.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
    }

    @Test
    void servicesMonitorAndDisruptionBudgetSelectThePods() {
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        for (JsonNode svc : all("Service")) {
            svc.at("/spec/selector").fields().forEachRemaining(e -> assertThat(podLabels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
            svc.at("/spec/ports").forEach(p -> containerPort(p.path("targetPort").asText()));
        }
        JsonNode pdb = only("PodDisruptionBudget", "warden");
        pdb.at("/spec/selector/matchLabels").fields()
                .forEachRemaining(e -> assertThat(podLabels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
        assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThan(pdb.at("/spec/maxUnavailable").asInt());

        JsonNode monitor = only("ServiceMonitor", "warden");
        List<JsonNode> scraped = all("Service").stream().filter(svc -> {
            boolean[] all = {true};
            monitor.at("/spec/selector/matchLabels").fields()
                    .forEachRemaining(e -> all[0] &= svc.path("metadata").path("labels").path(e.getKey()).asText().equals(e.getValue().asText()));
            return all[0];
        }).toList();
        assertThat(scraped).as("the monitor selects the admin Service only").hasSize(1);
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        String port = monitor.at("/spec/endpoints/0/port").asText();
        assertThat(scraped.get(0).at("/spec/ports/0/name").asText()).isEqualTo(port);
        assertThat(scraped.get(0).at("/spec/ports/0/targetPort").asText()).isEqualTo("admin");
    }

    @Test
    void theDockerfileMatchesTheImagesConfigAndTheManifests(@TempDir Path dir) throws Exception {
        String dockerfile = Files.readString(CONTAINER.resolve("Dockerfile"));
        WardenConfig image = ConfigLoader.parse(Files.readString(CONTAINER.resolve("warden.yaml")), dir);
        assertThat(dockerfile).contains("EXPOSE " + image.dataListener().port() + " " + image.adminListener().port());
        assertThat(dockerfile).contains("VOLUME [\"" + image.dataDir() + "\"]");
        assertThat(dockerfile).contains("WORKDIR " + image.dataDir());
        assertThat(dockerfile).contains("dev.warden.Probe\", \"http://127.0.0.1:" + image.adminListener().port() + "/readyz\"");
        assertThat(Class.forName("dev.warden.Probe")).isNotNull();
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(dockerfile);
        assertThat(user.find()).as("a numeric non-root user").isTrue();
        assertThat(Integer.parseInt(user.group(1))).isPositive()
                .isEqualTo(deployment.at("/spec/template/spec/securityContext/runAsUser").asInt());
        assertThat(dockerfile).contains("COPY deploy/container/warden.yaml /etc/warden/warden.yaml")
                .contains("CMD [\"serve\", \"--config\", \"/etc/warden/warden.yaml\"]");
        assertThat(dockerfile).contains("deploy/container/runtime.sh /opt/warden/jre").contains("\"-jar\", \"/opt/warden/warden.jar\"");
        assertThat(containerPort("data")).isEqualTo(image.dataListener().port());
        assertThat(containerPort("admin")).isEqualTo(image.adminListener().port());
    }
}
