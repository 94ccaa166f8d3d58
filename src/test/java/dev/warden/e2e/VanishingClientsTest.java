package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.AuditEvent;
import dev.warden.record.AuditRecord;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that go away mid-stream, hundreds at once, over real sockets that reset their
 * connections (SO_LINGER 0): every upstream answer is cut promptly (measured), every seat and
 * concurrency slot comes back, nothing counts against the upstreams, and the ledger bills each
 * stream what was produced before its client left (less than was reserved), marked aborted.
 */
class VanishingClientsTest {
    private static final int STREAMS = 200;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: { concurrency: " + STREAMS + " } }")
                .replace("  main:\n    upstreams:", "  main:\n    capacity: { seats: " + STREAMS
                        + ", seatUnits: 100000, maxQueuePerTenant: 10, queueTimeoutMs: 2000 }\n    upstreams:"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    /** A streaming request on its own socket, read until its first token; the socket, ready to be reset. */
    private Socket streamUntilFirstToken(String key) throws Exception {
        String body = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Socket s = new Socket("127.0.0.1", gw.gateway.dataPort());
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nX-Sim-Fault: pace=10\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII)); // 40 tokens at 10 a second: 4 s if nobody leaves
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertThat(status).startsWith("HTTP/1.1 200");
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
            // the head, then chunk sizes, until the first event
        }
        assertThat(line).as("a first event").isNotNull();
        return s;
    }

    @Test
    void aClientThatStopsReadingIsCutByTheWriteTimeoutAndHoldsNoSeat() throws Exception {
        String body = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long upstreamFailures = (long) gw.metric("warden_upstream_consecutive_failures");
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096); // a reader of a byte a minute: it reads the head, then nothing
            s.connect(new java.net.InetSocketAddress("127.0.0.1", gw.gateway.dataPort()), 2000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + gw.key("globex")
                    + "\r\nContent-Type: application/json\r\nX-Sim-Fault: pad=1048576,pace=2\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII)); // 40 events of 1 MiB, 2 a second: 20 s
            out.flush();
            s.setSoTimeout(10_000);
            byte[] head = new byte[12];
            assertThat(s.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            long stalled = System.nanoTime();
            while (gw.metric("warden_pool_free_seats", "pool=\"main\"") < STREAMS && System.nanoTime() - stalled < 20_000_000_000L) {
                Thread.sleep(20);
            }
            long cutMs = (System.nanoTime() - stalled) / 1_000_000;
            assertThat(gw.metric("warden_pool_free_seats", "pool=\"main\"")).as("its seat back").isEqualTo(STREAMS);
            System.out.printf("VanishingClientsTest: a client that stopped reading was cut %d ms after (idleMs 1,500)%n", cutMs);
            // what the gateway holds for it is bounded in bytes: the kernel's socket buffers (~4 MiB on loopback here) and
            // Vert.x's write queue of 16 pieces of 16 KiB, filled at 2 MiB/s; with 1 MiB events queued whole (16 of them) it
            // was ~18 MiB and the cut came after ~10.6 s
            assertThat(cutMs).as("by the write timeout (timeouts.idleMs, 1,500 here), once the few MiB between them are full, long before"
                    + " the stream's 20 s").isBetween(1_500L, 7_000L);
        }
        UsageRecord row = gw.usageRows("globex").get(0);
        assertThat(row.aborted()).as("cut, not finished").isTrue();
        assertThat(row.outputTokens()).as("billed what was produced").isBetween(1L, 39L);
        assertThat(gw.metric("warden_upstream_consecutive_failures")).as("the client's stall is not its upstream's failure")
                .isEqualTo(upstreamFailures);
        assertThat(gw.metric("warden_upstream_circuit_opened_total")).isZero();
    }

    private long cut() {
        return gw.eu.cutCount() + gw.us.cutCount();
    }

    @Test
    void hundredsOfStreamsAbandonedMidwayLeakNothingAndAreBilledWhatWasProduced() throws Exception {
        String key = gw.key("globex");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Socket> sockets = new ArrayList<>();
        try {
            List<CompletableFuture<Socket>> opening = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                opening.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return streamUntilFirstToken(key);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            for (CompletableFuture<Socket> f : opening) {
                sockets.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(gw.metric("warden_pool_free_seats", "pool=\"main\"")).as("every seat taken by a stream").isZero();
        long cutBefore = cut();
        for (Socket s : sockets) { // all clients vanish: a reset, no goodbye
            s.setSoLinger(true, 0);
            s.close();
        }
        long left = System.nanoTime();
        while (cut() - cutBefore < STREAMS && System.nanoTime() - left < 5_000_000_000L) {
            Thread.sleep(2);
        }
        long cancelledMs = (System.nanoTime() - left) / 1_000_000;
        System.out.printf("VanishingClientsTest: %d upstream answers cut %d ms after their clients reset%n", STREAMS, cancelledMs);
        assertThat(cut() - cutBefore).as("every upstream answer cut, none left running").isEqualTo(STREAMS);
        assertThat(cancelledMs).as("promptly: the streams would have run 4 s more").isLessThan(2_000);

        assertThat(gw.awaitMetric(STREAMS, "warden_pool_free_seats", "pool=\"main\"")).as("every seat back").isEqualTo(STREAMS);
        assertThat(gw.awaitMetric(0, "warden_upstream_outstanding")).as("no upstream request left open").isZero();
        assertThat(gw.metric("warden_upstream_consecutive_failures")).as("a client leaving is not its upstream's failure").isZero();

        List<UsageRecord> rows = gw.usageRows("globex");
        for (long deadline = System.nanoTime() + 5_000_000_000L; rows.size() < STREAMS && System.nanoTime() < deadline; ) {
            Thread.sleep(50);
            rows = gw.usageRows("globex");
        }
        assertThat(rows).as("one ledger row per stream, none lost").hasSize(STREAMS);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.aborted()).isTrue();
            assertThat(r.outputTokens()).as("what was produced before the client left, not the 40 reserved").isBetween(1L, 39L);
        });
        // and audited: one event per abandoned call, with the tokens its ledger row bills
        Map<String, AuditEvent> gone = gw.auditRecords().stream().map(AuditRecord::event)
                .filter(e -> "client_gone".equals(e.reason())).collect(Collectors.toMap(AuditEvent::requestId, e -> e));
        assertThat(gone).as("one audit event per abandoned stream").hasSize(STREAMS);
        assertThat(rows).allSatisfy(r -> {
            AuditEvent e = gone.get(r.requestId());
            assertThat(e).as(r.requestId()).isNotNull();
            assertThat(e.tenant()).isEqualTo("globex");
            assertThat(e.action()).isEqualTo("data.chat_completions");
            assertThat(e.detail()).contains("\"outputTokens\":" + r.outputTokens() + "}");
        });

        // nothing leaked: as many requests at once as the limits allow are all admitted
        ExecutorService again = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                        "Authorization", bearer(key)), again));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        } finally {
            again.shutdownNow();
        }
    }
}
