package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.TestGateway;
import dev.warden.testing.TestPki;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 on the data plane (h2c here; ALPN on TLS is the same server): off by default, and when
 * configured a model call, a stream and a refusal answer over HTTP/2 exactly as over HTTP/1.1; a
 * request whose content-length disagrees with its data is never forwarded; the stream limit is
 * advertised; a client resetting streams faster than allowed loses its connection.
 */
class Http2Test {
    private static final String CHAT = "{\"model\":\"gpt-sim\",\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private final Vertx vertx = Vertx.vertx();
    private TestGateway gw;

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private void start(String http2) throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("data: { host: 127.0.0.1, port: 0 }",
                "data: { host: 127.0.0.1, port: 0" + (http2 == null ? "" : ", http2: " + http2) + " }"));
    }

    private HttpClientAgent h2c(int connections) {
        return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
                .setDefaultHost("127.0.0.1").setDefaultPort(gw.gateway.dataPort()), new PoolOptions().setHttp2MaxSize(connections));
    }

    private HttpConnectOptions connectOptions() {
        return new HttpConnectOptions().setHost("127.0.0.1").setPort(gw.gateway.dataPort());
    }

    private record Answer(HttpVersion version, int status, String tenant, String body, String retryAfter) {
    }

    private Answer post(HttpClient client, String body, String key) throws Exception {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                        .putHeader("authorization", "Bearer " + key).putHeader("content-type", "application/json"))
                .compose(req -> req.send(Buffer.buffer(body)))
                .compose(res -> res.body().map(b -> new Answer(res.version(), res.statusCode(), res.getHeader("x-tenant-id"), b.toString(),
                        res.getHeader("retry-after"))))
                .await(10, TimeUnit.SECONDS);
    }

    @Test
    void aModelCallAStreamAndARefusalAnswerOverHttp2AsOverHttp11() throws Exception {
        start("{ enabled: true, cleartext: true, maxConcurrentStreams: 8 }");
        HttpClientAgent client = h2c(1);
        Answer ok = post(client, CHAT.formatted(false), gw.key("acme"));
        assertThat(ok.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.tenant()).isEqualTo("acme");
        assertThat(ok.body()).contains("\"choices\"");
        Answer stream = post(client, CHAT.formatted(true), gw.key("acme"));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.body()).contains("data: {").endsWith("data: [DONE]\n\n");
        Answer refused = post(client, CHAT.formatted(false), "wdn_nope_" + "x".repeat(43));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).contains("\"code\":\"unauthenticated\"");
        HttpClientConnection connection = client.connect(connectOptions()).await(5, TimeUnit.SECONDS);
        assertThat(connection.remoteSettings().getMaxConcurrentStreams()).as("the stream limit, advertised").isEqualTo(8);
    }

    @Test
    void aRequestWhoseContentLengthDisagreesWithItsDataIsNeverForwarded() throws Exception {
        start("{ enabled: true, cleartext: true }");
        HttpClientAgent client = h2c(1);
        long before = gw.upstreamRequests();
        String body = CHAT.formatted(false);
        for (int declared : new int[] {body.length() + 10, body.length() - 5}) { // RFC 9113 8.1.1: a malformed request
            Future<Integer> status = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                            .putHeader("authorization", "Bearer " + gw.key("acme")).putHeader("content-type", "application/json")
                            .putHeader("content-length", Integer.toString(declared)))
                    .compose(req -> req.send(Buffer.buffer(body))).map(HttpClientResponse::statusCode);
            try {
                int answered = status.await(10, TimeUnit.SECONDS);
                assertThat(answered).as("declared %d for %d bytes", declared, body.length()).isBetween(400, 499);
            } catch (Exception e) { // or the server reset the stream: PROTOCOL_ERROR (1), RFC 9113 8.1.1
                assertThat(e).as("declared %d for %d bytes", declared, body.length()).isInstanceOf(StreamResetException.class);
                assertThat(((StreamResetException) e).getCode()).isEqualTo(1);
            }
        }
        assertThat(gw.upstreamRequests()).as("nothing forwarded").isEqualTo(before);
        assertThat(post(client, body, gw.key("acme")).status()).as("the connection still serves").isEqualTo(200);
    }

    @Test
    void onTlsHttp2IsOfferedByAlpnBesideHttp11() throws Exception {
        Path dir = Files.createTempDirectory("warden-h2");
        TestPki.Issued ca = TestPki.ca("warden test server CA");
        long now = System.currentTimeMillis();
        TestPki.Issued server = TestPki.leaf(ca, "warden", "127.0.0.1", KeyPurposeId.id_kp_serverAuth, now - 60_000, now + 3_600_000);
        Files.writeString(dir.resolve("server.pem"), server.certPem() + TestPki.pem(server.ca()));
        Files.writeString(dir.resolve("server-key.pem"), server.keyPem());
        gw = new TestGateway(yaml -> yaml.replace("data: { host: 127.0.0.1, port: 0 }", "data: { host: 127.0.0.1, port: 0, tls: { certFile: \""
                + dir.resolve("server.pem") + "\", keyFile: \"" + dir.resolve("server-key.pem") + "\" }, http2: { enabled: true } }"));
        for (HttpVersion version : new HttpVersion[] {HttpVersion.HTTP_2, HttpVersion.HTTP_1_1}) {
            HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version).setSsl(true)
                    .setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.certPem())))
                    .setDefaultHost("127.0.0.1").setDefaultPort(gw.gateway.dataPort()), new PoolOptions());
            Answer a = post(client, CHAT.formatted(false), gw.key("acme"));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.version()).as("negotiated by ALPN").isEqualTo(version);
        }
    }

    @Test
    void http2IsOffUnlessConfigured() throws Exception {
        start(null);
        HttpClientAgent client = h2c(1);
        Future<Answer> tried = Future.future(p -> {
            try {
                p.complete(post(client, CHAT.formatted(false), gw.key("acme")));
            } catch (Exception e) {
                p.fail(e);
            }
        });
        assertThat(tried.failed() || tried.result().version() != HttpVersion.HTTP_2 || tried.result().status() != 200)
                .as("no HTTP/2 answer from a listener that does not offer it").isTrue();
    }

    @Test
    void aClientResettingStreamsFasterThanAllowedLosesItsConnection() throws Exception {
        start("{ enabled: true, cleartext: true, maxResetsPerMinute: 20 }");
        HttpClientAgent client = h2c(1);
        AtomicInteger closed = new AtomicInteger();
        HttpClientConnection connection = client.connect(connectOptions()).await(5, TimeUnit.SECONDS);
        connection.closeHandler(v -> closed.incrementAndGet());
        for (int i = 0; i < 60 && closed.get() == 0; i++) { // open a stream, reset it at once: rapid reset
            try {
                HttpClientRequest req = connection.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                        .putHeader("authorization", "Bearer " + gw.key("acme"))).await(5, TimeUnit.SECONDS);
                req.setChunked(true);
                req.sendHead().await(5, TimeUnit.SECONDS);
                req.reset();
            } catch (Exception e) {
                break; // the connection is gone
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (closed.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(closed.get()).as("closed by the server after 20 resets within a minute").isEqualTo(1);
        Answer fresh = post(h2c(1), CHAT.formatted(false), gw.key("acme"));
        assertThat(fresh.status()).as("other connections are served").isEqualTo(200);
    }

    /** h2c on, and one more of the gateway's {@code limits} ({@code name: value}). */
    private void startWithLimit(String limit) throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("data: { host: 127.0.0.1, port: 0 }",
                        "data: { host: 127.0.0.1, port: 0, http2: { enabled: true, cleartext: true } }")
                .replace("limits: { maxBodyBytes: 65536,", "limits: { " + limit + ", maxBodyBytes: 65536,"));
    }

    /** A chat call of {@code tenant} on a connection of its own, its head sent and its body never: a stream held open. */
    private HttpClientRequest headOnly(String tenant) throws Exception {
        HttpClientConnection connection = h2c(1).connect(connectOptions()).await(5, TimeUnit.SECONDS);
        HttpClientRequest req = connection.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + gw.key(tenant)).putHeader("content-type", "application/json"))
                .await(5, TimeUnit.SECONDS);
        req.setChunked(true);
        req.sendHead().await(5, TimeUnit.SECONDS);
        return req;
    }

    @Test
    void aTenantWhoseClientsAbandonTooManyRequestsWaitsWhileOthersAreServed() throws Exception {
        startWithLimit("maxAbortsPerTenant: 5");
        for (int i = 0; i < 6; i++) { // rapid reset spread over connections: each one far below its own bound
            HttpClientRequest req = headOnly("acme");
            Thread.sleep(50); // authenticated, its body awaited
            req.reset();
        }
        assertThat(gw.awaitMetric(6, "warden_requests_total", "tenant=\"acme\"", "status=\"499\"")).as("six abandoned").isEqualTo(6);
        HttpClientAgent client = h2c(1);
        Answer refused = post(client, CHAT.formatted(false), gw.key("acme"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("\"code\":\"rate_limited\"");
        assertThat(Integer.parseInt(refused.retryAfter())).as("until the minute is over").isBetween(1, 60);
        Answer other = post(client, CHAT.formatted(false), gw.key("globex"));
        assertThat(other.status()).as("another tenant is not touched").isEqualTo(200);
    }

    @Test
    void aTenantsStreamsInFlightAreBoundedAcrossConnections() throws Exception {
        startWithLimit("maxInFlightPerTenant: 3");
        List<HttpClientRequest> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // one stream per connection, each far below its connection's stream limit; bodies never sent
            held.add(headOnly("acme"));
        }
        Thread.sleep(200); // authenticated, their bodies awaited
        Answer refused = post(h2c(1), CHAT.formatted(false), gw.key("acme"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("\"code\":\"concurrency_limited\"");
        assertThat(post(h2c(1), CHAT.formatted(false), gw.key("globex")).status()).as("another tenant is not touched").isEqualTo(200);
        held.forEach(HttpClientRequest::reset);
        int status = 0;
        for (long deadline = System.nanoTime() + 5_000_000_000L; status != 200 && System.nanoTime() < deadline; Thread.sleep(50)) {
            status = post(h2c(1), CHAT.formatted(false), gw.key("acme")).status();
        }
        assertThat(status).as("served again once its streams ended").isEqualTo(200);
    }
}
