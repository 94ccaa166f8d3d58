package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RawHttp;
import dev.warden.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Slow clients and floods (ATTACKS F04, F05, F06): a head or body sent too slowly is answered 408
 * and its connection closed, a slowloris crowd is shed while other clients are served, connections
 * past the per-source cap are closed at once, and HTTP/2 frames (rapid reset, CONTINUATION floods)
 * find no HTTP/2 to land on. The latency effect on other tenants is measured by
 * {@code bench/faults/slowloris.sh}, not here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientsTest {
    private TestGateway gw;

    @BeforeAll
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml
                .replace("timeouts: { connectMs: 1000, firstByteMs: 2000, idleMs: 1500, clientIdleMs: 20000 }",
                        "timeouts: { connectMs: 1000, firstByteMs: 2000, idleMs: 1500, clientIdleMs: 20000, headerMs: 800, bodyMs: 1200 }")
                .replace("limits: { maxBodyBytes: 65536,", "limits: { maxConnectionsPerSource: 400, maxBodyBytes: 65536,"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterAll
    void stop() throws Exception {
        gw.close();
    }

    private int port() {
        return gw.gateway.dataPort();
    }

    /** Reads what the server sends until it closes (or {@code quietMs} of silence); null if it did not close. */
    private static String readUntilClosed(Socket s, int quietMs) throws IOException {
        s.setSoTimeout(quietMs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException quiet) {
            return null;
        } catch (IOException reset) {
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Sends {@code bytes} one every 100 ms until the server answers; its whole answer, or null if it never did. */
    private static String drip(Socket s, String bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < bytes.length(); i++) {
            try {
                out.write(bytes.charAt(i));
                out.flush();
            } catch (IOException closed) {
                return readUntilClosed(s, 2000);
            }
            s.setSoTimeout(100);
            try {
                int b = s.getInputStream().read();
                return b < 0 ? "" : (char) b + readUntilClosed(s, 2000);
            } catch (SocketTimeoutException notYet) {
                // keep dripping
            }
        }
        return null;
    }

    @Test
    void aHeadSentByteByByteIsAnswered408AndClosed() throws Exception { // F04: slowloris
        long before = gw.upstreamRequests();
        int mark = gw.auditMark();
        try (Socket s = new Socket("127.0.0.1", port())) {
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            String answer = drip(s, "X".repeat(40)); // a header byte every 100 ms: never idle, never done
            if (answer == null) {
                answer = readUntilClosed(s, 2000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(answer).as("answered and closed").isNotNull().startsWith("HTTP/1.1 408");
            assertThat(answer).contains("\"code\":\"request_timeout\"");
            assertThat(seconds).as("within the head deadline and a bit").isBetween(0.7, 2.5);
            gw.assertAudited(new RawHttp.Answer(answer, true));
        }
        Thread.sleep(200); // the cut head reaches the decoder as the connection closes: it must not be a second refusal
        gw.assertOneNewDeny(mark, "request_timeout");
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        assertThat(gw.metric("warden_requests_too_slow_total")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aBodySentByteByByteIsAnswered408AndClosed() throws Exception { // F04: 1 B/s body
        long before = gw.upstreamRequests();
        String body = chat("gpt-sim", "a body that takes its time");
        try (Socket s = new Socket("127.0.0.1", port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer(gw.key("acme"))
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = drip(s, body.substring(0, body.length() - 1));
            assertThat(answer).as("answered and closed before the body was complete").isNotNull().startsWith("HTTP/1.1 408");
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void aSlowlorisCrowdIsShedWhileOthersAreServed() throws Exception { // F04
        List<Socket> crowd = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("127.0.0.1", port());
                s.getOutputStream().write("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                crowd.add(s);
            }
            for (int i = 0; i < 50; i++) {
                assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "meanwhile"),
                        "Authorization", bearer(gw.key("globex"))).statusCode()).isEqualTo(200);
            }
            Thread.sleep(1500); // past the head deadline
            int closed = 0;
            for (Socket s : crowd) {
                String answer = readUntilClosed(s, 1000);
                closed += answer != null && answer.startsWith("HTTP/1.1 408") ? 1 : 0;
            }
            assertThat(closed).as("every slow head answered 408 and closed").isEqualTo(200);
        } finally {
            for (Socket s : crowd) {
                s.close();
            }
        }
    }

    @Test
    void connectionsPastTheCapPerSourceAreClosedAtOnce() throws Exception {
        double refusedBefore = gw.metric("warden_connections_refused_total");
        List<Socket> held = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (gw.metric("warden_connections_open") < 400 && System.nanoTime() < deadline) {
                held.add(new Socket("127.0.0.1", port())); // idle: no byte, no deadline but the idle timeout
                if (held.size() >= 400) {
                    Thread.sleep(20);
                }
            }
            assertThat(gw.metric("warden_connections_open")).isEqualTo(400);
            try (Socket extra = new Socket("127.0.0.1", port())) {
                assertThat(readUntilClosed(extra, 2000)).as("closed at once, nothing said").isEqualTo("");
            }
            assertThat(gw.metric("warden_connections_refused_total") - refusedBefore).isGreaterThanOrEqualTo(1);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gw.metric("warden_connections_open") > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "after"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).as("the source is served again once its connections closed").isEqualTo(200);
    }

    @Test
    void http2FramesFindNoHttp2ToLandOn() throws Exception { // F05, F06: rapid reset, CONTINUATION and SETTINGS floods
        long before = gw.upstreamRequests();
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frames.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS, empty
        for (int stream = 1; stream < 20_000; stream += 2) { // HEADERS then RST_STREAM, ten thousand times
            frames.write(new byte[] {0, 0, 1, 1, 4, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream, (byte) 0x82});
            frames.write(new byte[] {0, 0, 4, 3, 0, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream, 0, 0, 0, 8});
        }
        RawHttp.Answer a = RawHttp.send(port(), frames.toByteArray(), 2000);
        assertThat(a.closed()).as("the connection is closed after the preface").isTrue();
        // the preface read as an HTTP/1 request line of an unsupported version: refused once, nothing after
        assertThat(a.text()).matches("(?s)HTTP/2\\.0 501 Not Implemented\r\ncontent-length: 0\r\n\r\n");
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "after"), "Authorization", bearer(gw.key("globex")))
                .statusCode()).isEqualTo(200);
    }
}
