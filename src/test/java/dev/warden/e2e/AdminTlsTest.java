package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.Warden;
import dev.warden.testing.Databases;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The admin listener over TLS: it answers HTTPS with its certificate, a plain request gets no
 * answer, and the CLI reaches it given the CA ({@code --cacert}).
 */
class AdminTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAdminListenerSpeaksHttpsOnly(@TempDir Path dir) throws Exception {
        TestPki.Issued ca = TestPki.ca("warden admin CA");
        long now = System.currentTimeMillis();
        TestPki.Issued server = TestPki.leaf(ca, "warden-admin", "127.0.0.1", KeyPurposeId.id_kp_serverAuth, now - 60_000, now + 3_600_000);
        Files.writeString(dir.resolve("admin.pem"), server.certPem());
        Files.writeString(dir.resolve("admin-key.pem"), server.keyPem());
        Files.writeString(dir.resolve("ca.pem"), ca.certPem());
        try (TestGateway gw = new TestGateway(yaml -> yaml.replace("admin: { host: 127.0.0.1, port: 0 }",
                "admin: { host: 127.0.0.1, port: 0, tls: { certFile: \"" + dir.resolve("admin.pem") + "\", keyFile: \""
                        + dir.resolve("admin-key.pem") + "\" } }"), Databases.fresh(Databases.Kind.SQLITE))) {
            String base = "127.0.0.1:" + gw.gateway.adminPort() + "/admin/v1/whoami";
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, TestPki.trusting(ca.cert()).getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://" + base)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + gw.adminToken).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("kind").asText()).isEqualTo("platform-admin");

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://" + base)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + gw.adminToken).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("no answer in the clear").isInstanceOf(IOException.class);

            PrintStream old = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true));
            int exit;
            try {
                exit = new CommandLine(new Warden()).execute("tenants", "list", "--admin", "https://127.0.0.1:" + gw.gateway.adminPort(),
                        "--cacert", dir.resolve("ca.pem").toString(), "--token", gw.adminToken);
            } finally {
                System.setOut(old);
            }
            assertThat(exit).isZero();
            assertThat(out.toString()).contains("acme");
        }
    }
}
