package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import dev.warden.testing.TestIdp;
import dev.warden.testing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mTLS on the data listener: a client certificate identifies a subject of the tenant whose CA
 * bundle it chains to (ATTACKS C04), and certificate-bound tokens (RFC 8705, C03).
 */
class MtlsTest {
    private TestGateway gw;
    private TestIdp idp;
    private TestPki.Issued serverCa;
    private TestPki.Issued acmeCa;
    private TestPki.Issued acmeClient;
    private TestPki.Issued platformCa;
    private Path dir;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("warden-mtls");
        serverCa = TestPki.ca("warden test server CA");
        long now = System.currentTimeMillis();
        TestPki.Issued server = TestPki.leaf(serverCa, "warden", "127.0.0.1", KeyPurposeId.id_kp_serverAuth, now - 60_000, now + 3_600_000);
        Files.writeString(dir.resolve("server.pem"), server.certPem() + TestPki.pem(server.ca())); // leaf, then its CA
        Files.writeString(dir.resolve("server-key.pem"), server.keyPem());
        acmeCa = TestPki.ca("acme clients CA");
        acmeClient = TestPki.client(acmeCa, "spiffe://acme.example/svc-a");
        platformCa = TestPki.ca("platform services CA");
        Files.writeString(dir.resolve("platform-ca.pem"), platformCa.certPem());
        idp = new TestIdp();
        gw = new TestGateway(yaml -> yaml.replace("data: { host: 127.0.0.1, port: 0 }", "data: { host: 127.0.0.1, port: 0, tls: { certFile: \""
                        + dir.resolve("server.pem") + "\", keyFile: \"" + dir.resolve("server-key.pem") + "\", clientAuth: request } }")
                        .replace("  main:\n    upstreams:", "  main:\n    serviceTokens: true\n    upstreams:")
                        .replace("pools:\n", """
                                exchange:
                                  clients:
                                    retriever:
                                      certificate: { caFile: "%s", identityFrom: san-uri, subject: "spiffe://platform/retriever" }
                                      from: [main]
                                      to: [us-pool]
                                    secret-only: { secretHash: "%s", from: [main], to: [us-pool] }
                                pools:
                                """.formatted(dir.resolve("platform-ca.pem"), "hmac-sha256:" + "ab".repeat(32))),
                Databases.fresh(Databases.Kind.SQLITE));
        String caPem = acmeCa.certPem().replace("\n", "\\n").replace("\r", "");
        HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), """
                {"schemes":["api-key","jwt","mtls"],"jwt":{"issuer":"%s","audiences":["warden"],"jwksUrl":"%s"},
                 "mtls":{"caBundle":"%s","identityFrom":"san-uri"}}""".formatted(idp.issuer(), idp.jwksUrl(), caPem),
                "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/role-bindings"),
                "{\"subject\":\"spiffe://acme.example/svc-a\",\"role\":\"service\"}", "Authorization", bearer(gw.adminToken)).statusCode())
                .isEqualTo(201);
        Thread.sleep(1200); // the listener takes the new CA bundle within a second
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        idp.close();
    }

    private HttpResponse<String> post(SSLContext tls, String... headers) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.gateway.dataPort() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("gpt-sim", "hi")));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private SSLContext anonymous() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, TestPki.trusting(serverCa.cert()).getTrustManagers(), null);
        return ctx;
    }

    /** -1 when the handshake itself refused the certificate. */
    private int status(SSLContext tls, String... headers) {
        try {
            HttpResponse<String> r = post(tls, headers);
            if (r.statusCode() == 401) {
                gw.assertAudited(r);
            }
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String upstreamTenant() {
        return gw.lastUpstreamHeaders().get("X-Tenant-ID");
    }

    @Test
    void aClientCertificateIdentifiesASubjectOfItsTenantOnly() throws Exception {
        assertThat(status(acmeClient.clientContext(serverCa.cert()))).isEqualTo(200);
        assertThat(upstreamTenant()).isEqualTo("acme");
        assertThat(status(acmeClient.clientContext(serverCa.cert()), "X-Tenant-ID", "globex")).isEqualTo(401);
        // API keys still work over TLS without a certificate (clientAuth: request)
        assertThat(status(anonymous(), "Authorization", bearer(gw.key("globex")))).isEqualTo(200);
        // no certificate and no key: the usual 401, never an anonymous pass
        assertThat(status(anonymous())).isEqualTo(401);
    }

    @Test
    void theUpstreamLearnsTheClientCameOverTls() throws Exception {
        assertThat(status(anonymous(), "Authorization", "Bearer " + gw.key("acme"))).isEqualTo(200);
        assertThat(gw.lastUpstreamHeaders().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(gw.lastUpstreamHeaders().get("Forwarded")).endsWith(";proto=https");
    }

    @Test
    void c04UntrustedExpiredOrServerOnlyCertificatesNeverGetIn() throws Exception {
        long now = System.currentTimeMillis();
        TestPki.Issued stranger = TestPki.client(TestPki.ca("someone else's CA"), "spiffe://acme.example/svc-a");
        TestPki.Issued expired = TestPki.leaf(acmeCa, "old", "spiffe://acme.example/svc-a", KeyPurposeId.id_kp_clientAuth,
                now - 86_400_000L, now - 3_600_000L);
        TestPki.Issued notYet = TestPki.leaf(acmeCa, "early", "spiffe://acme.example/svc-a", KeyPurposeId.id_kp_clientAuth,
                now + 3_600_000L, now + 86_400_000L);
        TestPki.Issued serverOnly = TestPki.leaf(acmeCa, "srv", "spiffe://acme.example/svc-a", KeyPurposeId.id_kp_serverAuth,
                now - 60_000, now + 3_600_000);
        long upstream = gw.upstreamRequests();
        for (TestPki.Issued bad : List.of(stranger, expired, notYet, serverOnly)) {
            int s = status(bad.clientContext(serverCa.cert()));
            assertThat(s).as(bad.cert().getSubjectX500Principal().getName()).isIn(-1, 401);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(upstream);
    }

    @Test
    void c03BoundTokensNeedTheirOwnCertificate() throws Exception {
        String thumb = Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(acmeClient.cert().getEncoded())).toString();
        String bound = idp.sign(idp.claims("svc-a", "warden").claim("roles", List.of("developer"))
                .claim("cnf", Map.of("x5t#S256", thumb)).build());
        assertThat(status(acmeClient.clientContext(serverCa.cert()), "Authorization", bearer(bound))).isEqualTo(200);
        assertThat(status(anonymous(), "Authorization", bearer(bound))).as("no certificate").isEqualTo(401);
        TestPki.Issued other = TestPki.client(acmeCa, "spiffe://acme.example/svc-b");
        assertThat(status(other.clientContext(serverCa.cert()), "Authorization", bearer(bound))).as("another certificate").isEqualTo(401);
        // an unbound token is fine unless the tenant requires binding
        String unbound = idp.sign(idp.claims("svc-a", "warden").claim("roles", List.of("developer")).build());
        assertThat(status(anonymous(), "Authorization", bearer(unbound))).isEqualTo(200);
    }

    private HttpResponse<String> exchange(SSLContext tls, String form) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.gateway.dataPort() + "/oauth2/token"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPlatformServiceExchangesTokensWithItsClientCertificate() throws Exception {
        assertThat(status(anonymous(), "Authorization", bearer(gw.key("acme")))).isEqualTo(200);
        var served = gw.lastUpstreamHeaders();
        String serviceToken = served.get("Authorization").substring(7);
        String form = "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=" + serviceToken
                + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&audience=us-pool";
        TestPki.Issued retriever = TestPki.client(platformCa, "spiffe://platform/retriever");

        HttpResponse<String> ok = exchange(retriever.clientContext(serverCa.cert()), form + "&client_id=retriever");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String minted = new ObjectMapper().readTree(ok.body()).path("access_token").asText();
        var claims = SignedJWT.parse(minted).getJWTClaimsSet();
        assertThat(claims.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(claims.getAudience()).containsExactly("us-pool");
        assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", "client:retriever");

        // refused, each with the same 401 invalid_client: another identity under the platform CA, a
        // tenant's certificate, a client that has no certificate rule, no client_id, no certificate at all
        TestPki.Issued impostor = TestPki.client(platformCa, "spiffe://platform/other");
        for (Object[] bad : List.<Object[]>of(
                new Object[] {impostor.clientContext(serverCa.cert()), form + "&client_id=retriever"},
                new Object[] {acmeClient.clientContext(serverCa.cert()), form + "&client_id=retriever"},
                new Object[] {retriever.clientContext(serverCa.cert()), form + "&client_id=secret-only"},
                new Object[] {retriever.clientContext(serverCa.cert()), form},
                new Object[] {anonymous(), form + "&client_id=retriever"})) {
            HttpResponse<String> r = exchange((SSLContext) bad[0], (String) bad[1]);
            assertThat(r.statusCode()).as((String) bad[1]).isEqualTo(401);
            assertThat(r.body()).contains("\"error\":\"invalid_client\"");
        }
    }
}
