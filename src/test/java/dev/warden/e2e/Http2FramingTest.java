package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.RawH2;
import dev.warden.testing.TestGateway;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The framing rules of RFC 9113 section 8 with raw frames (the malformed requests no client
 * library will send): each malformed request differs from a served one by a single field, is
 * refused (a stream reset PROTOCOL_ERROR by the decoder, or a 400 by Warden's own checks), and is
 * never forwarded; the upstream request is framed from what Warden read, never from the client's
 * framing.
 */
class Http2FramingTest {
    private static final String CHAT = "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** The decoder's stream error: RST_STREAM PROTOCOL_ERROR. */
    private static final String RESET = "reset";
    private static final int BODY_MS = 1000;
    private static final int HEADER_MS = 1000;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("data: { host: 127.0.0.1, port: 0 }",
                "data: { host: 127.0.0.1, port: 0, http2: { enabled: true, cleartext: true } }")
                .replace("clientIdleMs: 20000 }", "clientIdleMs: 20000, headerMs: " + HEADER_MS + ", bodyMs: " + BODY_MS + " }"));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** A chat call as a client library frames it. */
    private static List<String> served() {
        return new ArrayList<>(List.of(":method", "POST", ":scheme", "http", ":path", "/v1/chat/completions",
                ":authority", "127.0.0.1:" + gw.gateway.dataPort(), "authorization", "Bearer " + gw.key("acme"),
                "content-type", "application/json", "content-length", Integer.toString(CHAT.length())));
    }

    /** {@link #served()} with {@code name}'s field replaced by {@code with} (a name and a value each; none: removed). */
    private static List<String> replacing(String name, String... with) {
        List<String> out = new ArrayList<>();
        List<String> base = served();
        for (int i = 0; i < base.size(); i += 2) {
            if (base.get(i).equals(name)) {
                out.addAll(List.of(with));
            } else {
                out.addAll(base.subList(i, i + 2));
            }
        }
        return out;
    }

    private static List<String> adding(String name, String value) {
        List<String> out = served();
        out.addAll(List.of(name, value));
        return out;
    }

    private static RawH2.Outcome send(RawH2 h2, int stream, List<String> fields) throws Exception {
        h2.headers(stream, false, fields.toArray(String[]::new));
        h2.data(stream, CHAT.getBytes(StandardCharsets.UTF_8), true);
        return h2.await(stream);
    }

    @Test
    void requestsThatDifferOnlyInWhatTheRulesAllowAreServed() throws Exception {
        Map<String, List<String>> cases = new LinkedHashMap<>();
        cases.put("as a client library frames it", served());
        cases.put("te: trailers, the one te allowed", adding("te", "trailers"));
        cases.put("a Host that agrees with :authority", adding("host", "127.0.0.1:" + gw.gateway.dataPort()));
        cases.put(":scheme https", replacing(":scheme", ":scheme", "https"));
        cases.put("Host instead of :authority", replacing(":authority", "host", "127.0.0.1:" + gw.gateway.dataPort()));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            long before = gw.upstreamRequests();
            try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
                RawH2.Outcome o = send(h2, 1, c.getValue());
                assertThat(o.status()).as(c.getKey() + ": " + o).isEqualTo(200);
                assertThat(o.headers().get("x-tenant-id")).hasToString("acme");
            }
            assertThat(gw.upstreamRequests()).as(c.getKey()).isEqualTo(before + 1);
        }
    }

    @Test
    void malformedRequestsAreRefusedAndNeverForwarded() throws Exception {
        String authority = "127.0.0.1:" + gw.gateway.dataPort();
        Map<String, List<String>> cases = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        // 8.2: field names in lowercase
        expect(cases, expected, "an uppercase name Warden reads", replacing("content-type", "Content-Type", "application/json"), RESET);
        expect(cases, expected, "an uppercase name Warden ignores", adding("X-Custom", "1"), RESET);
        // 8.2.1: names are tokens, values have no controls and no whitespace at either end
        expect(cases, expected, "a name with a space", adding("x a", "1"), "invalid_header");
        expect(cases, expected, "a name with a colon", adding("x:a", "1"), "invalid_header");
        expect(cases, expected, "an empty name", adding("", "1"), RESET);
        expect(cases, expected, "a value with CR LF", adding("x-a", "b\r\nx-b: c"), "invalid_header");
        expect(cases, expected, "a value with NUL", adding("x-a", "b\0c"), "invalid_header");
        expect(cases, expected, "a value with leading space", adding("x-a", " b"), "invalid_header");
        expect(cases, expected, "a value with a trailing tab", adding("x-a", "b\t"), "invalid_header");
        // 8.2.2: connection-specific fields
        expect(cases, expected, "connection", adding("connection", "keep-alive"), RESET);
        expect(cases, expected, "keep-alive", adding("keep-alive", "timeout=5"), RESET);
        expect(cases, expected, "proxy-connection", adding("proxy-connection", "keep-alive"), RESET);
        expect(cases, expected, "transfer-encoding", adding("transfer-encoding", "chunked"), RESET);
        expect(cases, expected, "upgrade", adding("upgrade", "h2c"), RESET);
        expect(cases, expected, "te other than trailers", adding("te", "gzip"), RESET);
        // 8.3: pseudo-headers, each once, before the fields, only the request's own
        expect(cases, expected, "no :method", replacing(":method"), RESET);
        expect(cases, expected, "no :scheme", replacing(":scheme"), RESET);
        expect(cases, expected, "no :path", replacing(":path"), RESET);
        expect(cases, expected, "an empty :path", replacing(":path", ":path", ""), RESET);
        expect(cases, expected, "a second :path", adding(":path", "/v1/models"), RESET);
        expect(cases, expected, "an unknown pseudo-header", adding(":foo", "bar"), RESET);
        expect(cases, expected, ":protocol without extended CONNECT", adding(":protocol", "websocket"), RESET);
        expect(cases, expected, "a response's :status", adding(":status", "200"), RESET);
        List<String> late = new ArrayList<>(List.of("x-early", "1"));
        late.addAll(served());
        expect(cases, expected, "a pseudo-header after a field", late, RESET);
        // 8.3.1: the values of the pseudo-headers
        expect(cases, expected, "no :authority and no Host", replacing(":authority"), "invalid_header");
        expect(cases, expected, ":authority with userinfo", replacing(":authority", ":authority", "user@" + authority), RESET);
        expect(cases, expected, "a Host that disagrees with :authority", adding("host", "evil.example"), RESET);
        expect(cases, expected, "a relative :path", replacing(":path", ":path", "v1/chat/completions"), "invalid_path");
        expect(cases, expected, "an absolute-form :path", replacing(":path", ":path", "http://" + authority + "/v1/chat/completions"),
                "invalid_path");
        expect(cases, expected, "an asterisk :path on POST", replacing(":path", ":path", "*"), "invalid_path");
        expect(cases, expected, "a :path with a space", replacing(":path", ":path", "/v1/chat/completions x"), "invalid_path");
        expect(cases, expected, "a :scheme other than http(s)", replacing(":scheme", ":scheme", "ftp"), "invalid_request");
        expect(cases, expected, "a lowercase :method", replacing(":method", ":method", "post"), "method_not_allowed");
        // 8.5: CONNECT has no :path and no :scheme; Warden serves no tunnels
        expect(cases, expected, "CONNECT", List.of(":method", "CONNECT", ":authority", "127.0.0.1:1"), "method_not_allowed");
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            String want = expected.get(c.getKey());
            long before = gw.upstreamRequests();
            try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
                // the head alone: it is refused before any body is read (DATA after a reset the decoder raised
                // while reading the head falls on a stream it never opened, which Netty answers with GOAWAY)
                h2.headers(1, false, c.getValue().toArray(String[]::new));
                RawH2.Outcome o = h2.await(1);
                if (want.equals(RESET)) {
                    assertThat(o.resetCode()).as(c.getKey() + ": " + o).isEqualTo(1);
                } else {
                    assertThat(o.status()).as(c.getKey() + ": " + o).isBetween(400, 405);
                    assertThat(o.body()).as(c.getKey()).contains("\"code\":\"" + want + "\"");
                }
                assertThat(send(h2, 3, served()).status()).as(c.getKey() + ": a stream error, the connection serves on").isEqualTo(200);
            }
            assertThat(gw.upstreamRequests()).as(c.getKey() + ": only the well-formed request forwarded").isEqualTo(before + 1);
        }
    }

    private static void expect(Map<String, List<String>> cases, Map<String, String> expected, String name, List<String> fields,
                               String outcome) {
        cases.put(name, fields);
        expected.put(name, outcome);
    }

    @Test
    void aMethodThatIsNoTokenClosesTheConnectionUnforwarded() throws Exception {
        long before = gw.upstreamRequests();
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            RawH2.Outcome o = send(h2, 1, replacing(":method", ":method", "PO ST"));
            assertThat(o.status()).as(o.toString()).isEqualTo(-1);
            assertThat(o.closed() || o.resetCode() == 1 || o.goAwayCode() == 1).as(o.toString()).isTrue();
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void theUpstreamRequestIsFramedFromWhatWasReadNotFromTheClientsFraming() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            List<String> fields = served();
            fields.addAll(List.of("te", "trailers"));
            h2.headers(1, false, fields.toArray(String[]::new));
            byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
            h2.data(1, java.util.Arrays.copyOfRange(body, 0, 10), false); // the body in two frames, then trailers
            h2.data(1, java.util.Arrays.copyOfRange(body, 10, body.length), false);
            h2.headers(1, true, "x-trailer", "smuggled", "authorization", "Bearer other");
            RawH2.Outcome o = h2.await(1);
            assertThat(o.status()).as(o.toString()).isEqualTo(200);
        }
        MultiMap upstream = gw.lastUpstreamHeaders();
        assertThat(upstream.getAll("content-length")).as("Warden's own length, of the body it sends").hasSize(1);
        assertThat(upstream.contains("x-trailer")).as("trailers are not forwarded").isFalse();
        assertThat(upstream.contains("te")).as("hop-by-hop").isFalse();
        assertThat(upstream.getAll("authorization")).as("neither the client's credential nor its trailer's")
                .noneMatch(v -> v.contains("other") || v.contains(gw.key("acme")));
    }

    @Test
    void aStreamWhoseBodyTricklesIsAnswered408AndResetWhileTheConnectionServesOn() throws Exception {
        long before = gw.upstreamRequests();
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            long start = System.nanoTime();
            h2.headers(1, false, served().toArray(String[]::new));
            byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
            Thread dripping = Thread.ofVirtual().start(() -> { // a byte every 100 ms: the connection is never idle
                try {
                    for (int i = 0; i < body.length - 1; i++) {
                        h2.data(1, new byte[] {body[i]}, false);
                        Thread.sleep(100);
                    }
                } catch (Exception stopped) {
                    // the server answered and reset the stream, or the test ended
                }
            });
            assertThat(send(h2, 3, served()).status()).as("another stream of the connection, meanwhile").isEqualTo(200);
            RawH2.Outcome o = h2.await(1);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            dripping.interrupt();
            assertThat(o.status()).as(o.toString()).isEqualTo(408);
            assertThat(o.body()).contains("\"code\":\"request_timeout\"");
            assertThat(tookMs).as("cut at the body deadline").isBetween((long) BODY_MS, BODY_MS + 3000L);
            assertThat(send(h2, 5, served()).status()).as("the connection serves on").isEqualTo(200);
        }
        assertThat(gw.upstreamRequests()).as("the two whole requests only").isEqualTo(before + 2);
        assertThat(gw.awaitMetric(1, "warden_requests_total", "tenant=\"acme\"", "status=\"499\""))
                .as("its exchange ended (as one the client did not finish), nothing held").isEqualTo(1);
        assertThat(gw.metric("warden_requests_too_slow_total")).isEqualTo(1);
    }

    @Test
    void aHeadContinuedPastTheHeaderCapIsRefusedWhateverTheFramesCarryingIt() throws Exception { // CONTINUATION flood
        long before = gw.upstreamRequests();
        RawH2.Outcome o;
        int sent = 0;
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            List<String> head = served();
            h2.headersContinued(1, head.subList(0, 8).toArray(String[]::new)); // the pseudo-headers; the rest never ends
            try {
                for (; sent < 2000; sent++) { // 2000 x 100 bytes: 25 times the 8 KiB cap
                    h2.continuation(1, false, "x-pad-" + sent, "a".repeat(90));
                }
            } catch (java.io.IOException refused) {
                // the server stopped reading: the connection is gone
            }
            o = h2.await(1);
        }
        assertThat(o.resetCode() > 0 || o.goAwayCode() > 0 || o.closed() || o.status() == 431).as(o.toString()).isTrue();
        assertThat(o.status()).as(o.toString()).isNotEqualTo(200);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        try (RawH2 fresh = RawH2.connect(gw.gateway.dataPort())) {
            assertThat(send(fresh, 1, served()).status()).as("other connections are served").isEqualTo(200);
        }
        System.out.println("CONTINUATION flood: " + o + " after " + sent + " frames written");
    }

    @Test
    void aHeadTrickledInContinuationFramesIsCutAtTheHeadDeadline() throws Exception { // slowloris over HTTP/2
        long before = gw.upstreamRequests();
        double slow = gw.metric("warden_requests_too_slow_total");
        RawH2.Outcome o;
        long start = System.nanoTime();
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            h2.headersContinued(1, served().subList(0, 8).toArray(String[]::new));
            try {
                for (int i = 0; i < 60; i++) { // a fragment every 100 ms, far under the header cap: bytes never stop
                    h2.continuation(1, false, "x-" + i, "a");
                    Thread.sleep(100);
                }
            } catch (java.io.IOException cut) {
                // the server closed the connection
            }
            o = h2.await(1);
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(o.goAwayCode() == 0 || o.closed()).as(o.toString()).isTrue();
        assertThat(tookMs).as("cut at the head deadline (headerMs %d, up to half as long again)", HEADER_MS)
                .isBetween((long) HEADER_MS, HEADER_MS * 3L / 2 + 2000);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        assertThat(gw.metric("warden_requests_too_slow_total")).isEqualTo(slow + 1);
    }

    @Test
    void aConnectionQuietAfterItsAnswerIsNotTakenForASlowHead() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            assertThat(send(h2, 1, served()).status()).isEqualTo(200);
            h2.ping(); // a frame with no stream open, then quiet for longer than the head deadline
            Thread.sleep(HEADER_MS * 2L + 500);
            assertThat(send(h2, 3, served()).status()).as("the connection still serves").isEqualTo(200);
        }
    }

    @Test
    void aStreamResetMidAnswerCancelsItsUpstreamAndTheConnectionServesOn() throws Exception {
        String streaming = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long cutBefore = gw.eu.cutCount() + gw.us.cutCount();
        try (RawH2 h2 = RawH2.connect(gw.gateway.dataPort())) {
            List<String> fields = replacing("content-length", "content-length", Integer.toString(streaming.length()));
            fields.addAll(List.of("x-sim-fault", "pace=10")); // 40 tokens at 10 a second: 4 s if nobody leaves
            h2.headers(1, false, fields.toArray(String[]::new));
            h2.data(1, streaming.getBytes(StandardCharsets.UTF_8), true);
            assertThat(h2.awaitData(1)).as("the first event").contains("data: {");
            h2.reset(1, 8); // CANCEL, as a client library does when its caller stops reading
            long reset = System.nanoTime();
            while (gw.eu.cutCount() + gw.us.cutCount() == cutBefore && System.nanoTime() - reset < 3_000_000_000L) {
                Thread.sleep(5);
            }
            long cutMs = (System.nanoTime() - reset) / 1_000_000;
            assertThat(gw.eu.cutCount() + gw.us.cutCount()).as("its upstream answer cut").isEqualTo(cutBefore + 1);
            assertThat(cutMs).as("promptly: the answer had ~4 s to run").isLessThan(1_000);
            System.out.println("Http2FramingTest: upstream cut " + cutMs + " ms after the stream's reset");
            assertThat(send(h2, 3, served()).status()).as("the connection serves on").isEqualTo(200);
        }
    }
}
