package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.GatewayTestBase;
import dev.warden.testing.Http;
import dev.warden.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ../shared/ATTACKS.md rows this issue covers, over raw sockets where client libraries would
 * refuse to send the bytes. Every refusal: a problem+json, nothing forwarded (the sims' request
 * counters do not move), no stack trace or library text.
 */
class HostileInputTest extends GatewayTestBase {
    private String key;

    @BeforeAll
    void key() {
        key = gw.key("acme");
    }

    private RawHttp.Answer raw(String request) {
        return RawHttp.send(gw.gateway.dataPort(), request);
    }

    private String head(String requestLine, String... extraHeaders) {
        StringBuilder sb = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ")
                .append(key).append("\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        return sb.toString();
    }

    private static final String BODY = "{\"model\":\"gpt-sim\",\"messages\":[]}";

    /** ATTACKS' AE for a raw answer: one audit event with the refusal's code and request id. */
    private void audited(RawHttp.Answer a) {
        try {
            gw.assertAudited(a);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void audited(HttpResponse<String> r) {
        try {
            gw.assertAudited(r);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void assertRefusedUnforwarded(RawHttp.Answer a, int status, long upstreamBefore) {
        assertThat(a.status()).as(a.text()).isEqualTo(status);
        assertThat(a.text()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("netty");
        assertThat(gw.upstreamRequests()).isEqualTo(upstreamBefore);
        audited(a);
    }

    // --- D01-D03: framing and smuggling ---------------------------------------------------

    @Test
    void clTeSmugglingIsRefusedAndTheConnectionClosed() {
        long before = gw.upstreamRequests();
        String smuggled = "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n";
        String chunkedBody = Integer.toHexString(BODY.length()) + "\r\n" + BODY + "\r\n0\r\n\r\n" + smuggled;
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Content-Length: " + (BODY.length() + 10), "Transfer-Encoding: chunked") + "\r\n" + chunkedBody);
        assertRefusedUnforwarded(a, 400, before);
        assertThat(a.closed()).isTrue();
        assertThat(a.responses()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Transfer-Encoding: xchunked", "Transfer-Encoding: chunked, identity",
            "Transfer-Encoding: identity", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding : chunked"})
    void oddTransferEncodingsAreRefused(String te) {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json", te)
                + "\r\n" + Integer.toHexString(BODY.length()) + "\r\n" + BODY + "\r\n0\r\n\r\n");
        assertRefusedUnforwarded(a, 400, before);
    }

    @Test
    void transferEncodingOnHttp10IsRefused() {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.0", "Content-Type: application/json",
                "Transfer-Encoding: chunked") + "\r\n" + Integer.toHexString(BODY.length()) + "\r\n" + BODY + "\r\n0\r\n\r\n");
        assertThat(a.text()).startsWith("HTTP/1.");
        assertThat(a.text().substring(9, 12)).isEqualTo("400");
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void aTabPrefixedTransferEncodingIsNeverReadAsFraming() {
        // A line starting with a tab is obs-fold: it is folded into the previous header (here
        // Content-Type, which then is no longer JSON), never taken as a Transfer-Encoding.
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "\tTransfer-Encoding: chunked") + "\r\n" + Integer.toHexString(BODY.length()) + "\r\n" + BODY + "\r\n0\r\n\r\n");
        assertThat(a.status()).isIn(400, 415);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        audited(a);
    }

    @Test
    void obsFoldIsJoinedWithASpaceAndNeverReEmitted() {
        String body = "{\"model\":\"echo\",\"messages\":[]}";
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "X-Folded: a\r\n b", "Content-Length: " + body.length()) + "\r\n" + body);
        if (a.status() == 200) {
            assertThat(a.text()).contains("\\\"x-folded\\\":\\\"a b\\\"");
        } else {
            assertThat(a.status()).isEqualTo(400);
            audited(a);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5\r\nContent-Length: 6", "Content-Length: 5, 5", "Content-Length: +5",
            "Content-Length: 0x5", "Content-Length: 99999999999999999999", "Content-Length: -1"})
    void ambiguousContentLengthsAreRefused(String cl) {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json", cl) + "\r\n" + BODY);
        assertThat(a.status()).as(a.text()).isIn(400, 413);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        audited(a);
    }

    @Test
    void hugeChunkSizeIsRefused() {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Transfer-Encoding: chunked") + "\r\nfffffffffffffffff1\r\n" + BODY + "\r\n0\r\n\r\n");
        // The decoder fails inside the body: the connection is closed (a 400 if it can still be sent).
        assertThat(a.status() == -1 ? 400 : a.status()).isIn(400, 413);
        assertThat(a.closed()).isTrue();
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    // --- D04-D06: header syntax -----------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"NoColonHere", "X_Tenant_ID: globex", "X-Tenant-ID : globex",
            "X-A: a\u0000b", "X-A\u0000: b"})
    void malformedHeaderLinesAreRefused(String line) {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Content-Length: " + BODY.length(), line) + "\r\n" + BODY);
        assertRefusedUnforwarded(a, 400, before);
    }

    @Test
    void bareLfLineEndingsAreNotAcceptedAsAnotherRequest() {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw("GET /v1/models HTTP/1.1\nHost: x\nX-Tenant-ID: globex\nAuthorization: Bearer " + key + "\n\n");
        // Either refused, or read as one request whose tenant claim (globex) does not match the key.
        assertThat(a.status()).isIn(400, 401);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        audited(a);
    }

    @Test
    void crlfInjectedThroughThePathIsRefused() {
        long before = gw.upstreamRequests();
        RawHttp.Answer encoded = raw(head("POST /api/v1/tenants/acme/models/scorer%0d%0aX-Tenant-ID:%20globex/predict HTTP/1.1",
                "Content-Type: application/json", "Content-Length: 2") + "\r\n{}");
        assertRefusedUnforwarded(encoded, 400, before);
    }

    // --- D09-D10: Host and Upgrade ------------------------------------------------------------

    @Test
    void twoHostHeadersAreRefused() {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("GET /v1/models HTTP/1.1", "Host: evil.example") + "\r\n");
        assertRefusedUnforwarded(a, 400, before);
    }

    @Test
    void upgradeIsNeverForwardedNorTunnelled() {
        String body = "{\"model\":\"echo\",\"messages\":[]}";
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
                "Content-Length: " + body.length()) + "\r\n" + body);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.text()).doesNotContain("101 Switching").doesNotContain("\\\"upgrade\\\"")
                .doesNotContain("http2-settings");
    }

    // --- F02: compressed request bodies -----------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "gzip, gzip", "br", "deflate", "identity, gzip"})
    void compressedBodiesAreRefusedUnread(String encoding) throws Exception {
        long before = gw.upstreamRequests();
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(new byte[1 << 20]); // 1 MiB of zeros: a thousandfold bomb in a kilobyte
        }
        String body = new String(zipped.toByteArray(), StandardCharsets.ISO_8859_1);
        RawHttp.Answer a = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Content-Encoding: " + encoding, "Content-Length: " + body.length()) + "\r\n" + body);
        assertRefusedUnforwarded(a, 415, before);
    }

    // --- E01-E07: paths and encodings -----------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/tenants/globex/../acme/models/scorer/predict", "/api/v1/tenants/./acme/models/scorer/predict",
            "/api/v1/tenants/acme/models/..%2fscorer/predict", "/api/v1/tenants/%2e%2e/models/scorer/predict",
            "/api/v1/tenants/.%2e/models/scorer/predict", "/api/v1/tenants/acme%2Fglobex/models/scorer/predict",
            "/api/v1/tenants/acme%5Cglobex/models/scorer/predict", "/api/v1/tenants/acme\\globex/models/scorer/predict",
            "/api/v1/tenants/%252e%252e%252f/models/scorer/predict", "/api/v1/tenants/%%32%65/models/scorer/predict",
            "/api/v1/tenants/%c0%ae/models/scorer/predict", "/api/v1/tenants/%u002e/models/scorer/predict",
            "/api/v1/tenants/acme%00/models/scorer/predict", "/api/v1/tenants/acme%0a/models/scorer/predict",
            "/api/v1/tenants/acme?x=/../globex/models/scorer/predict", "/api/v1/tenants/acme/models/scorer/predict?x=1"})
    void pathTricksAreRefusedBeforeAnyLookup(String path) {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST " + path + " HTTP/1.1", "Content-Type: application/json", "Content-Length: 2") + "\r\n{}");
        assertRefusedUnforwarded(a, 400, before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"//api//v1/tenants//acme/models/scorer/predict", "/API/V1/Tenants/acme/models/scorer/predict",
            "/api/v1/tenants/acme/models/scorer/predict/", "/api/v1/tenants/acme/models/scorer/predict.",
            "/v1/chat/completions/", "/v1//chat/completions", "/api/v0/tenants/acme/models/scorer/predict", "/internal"})
    void pathVariantsAreNotOtherSpellingsOfARoute(String path) {
        long before = gw.upstreamRequests();
        RawHttp.Answer a = raw(head("POST " + path + " HTTP/1.1", "Content-Type: application/json", "Content-Length: 2") + "\r\n{}");
        assertRefusedUnforwarded(a, 404, before);
    }

    @Test
    void invalidUtf8InPathHeaderOrBodyIsRefused() {
        long before = gw.upstreamRequests();
        byte[] path = (head("POST /api/v1/tenants/acme\u00c0\u00af/models/scorer/predict HTTP/1.1",
                "Content-Type: application/json", "Content-Length: 2") + "\r\n{}").getBytes(StandardCharsets.ISO_8859_1);
        RawHttp.Answer badPath = RawHttp.send(gw.gateway.dataPort(), path, 1500);
        assertThat(badPath.status()).isEqualTo(400);
        audited(badPath);
        RawHttp.Answer header = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "X-Tenant-ID: acme\u00ff", "Content-Length: " + BODY.length()) + "\r\n" + BODY);
        assertThat(header.status()).isEqualTo(400);
        audited(header);
        byte[] badBody = {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'};
        RawHttp.Answer body = RawHttp.send(gw.gateway.dataPort(), concat(head("POST /v1/chat/completions HTTP/1.1",
                "Content-Type: application/json", "Content-Length: " + badBody.length) + "\r\n", badBody), 1500);
        assertThat(body.status()).isEqualTo(400);
        assertThat(body.text()).contains("invalid_json");
        audited(body);
        HttpResponse<String> bom = Http.post(gw.dataUrl("/v1/chat/completions"), "\ufeff" + BODY, "Authorization", bearer(key));
        assertThat(bom.statusCode()).isEqualTo(400);
        audited(bom);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    // --- F01, F03: sizes ----------------------------------------------------------------------

    @Test
    void oversizedBodiesAreRefusedBeforeBeingRead() {
        long before = gw.upstreamRequests();
        RawHttp.Answer declared = raw(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Content-Length: 104857600") + "\r\n{");
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.closed()).isTrue();
        audited(declared);
        StringBuilder chunked = new StringBuilder(head("POST /v1/chat/completions HTTP/1.1", "Content-Type: application/json",
                "Transfer-Encoding: chunked")).append("\r\n");
        String chunk = "x".repeat(16 * 1024);
        for (int i = 0; i < 8; i++) {
            chunked.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        RawHttp.Answer streamed = raw(chunked.toString());
        assertThat(streamed.status()).isEqualTo(413);
        audited(streamed);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void oversizedHeadersAndUrisAreRefused() {
        long before = gw.upstreamRequests();
        RawHttp.Answer bigHeader = raw(head("GET /v1/models HTTP/1.1", "X-Big: " + "a".repeat(1024 * 1024)) + "\r\n");
        assertThat(bigHeader.status()).isEqualTo(431);
        audited(bigHeader);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        RawHttp.Answer manyHeaders = raw(head("GET /v1/models HTTP/1.1") + many + "\r\n");
        assertThat(manyHeaders.status()).isEqualTo(431);
        audited(manyHeaders);
        RawHttp.Answer bigUri = raw(head("GET /v1/models?" + "a".repeat(64 * 1024) + " HTTP/1.1") + "\r\n");
        assertThat(bigUri.status()).isEqualTo(414);
        audited(bigUri);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void hostileJsonIsRefusedInBoundedTime() {
        long before = gw.upstreamRequests();
        for (String body : List.of("[".repeat(100_000), "{\"model\":\"gpt-sim\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}",
                "{\"model\":\"gpt-sim\",\"n\":" + "9".repeat(60_000) + "}", "{\"model\":\"gpt-sim\",\"model\":\"echo\"}",
                "[1,2]", "\"text\"", "{\"model\":", "")) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(key));
            assertThat(r.statusCode()).as(body.length() > 50 ? body.substring(0, 50) : body).isIn(400, 413);
            assertThat(r.body()).doesNotContain("Jackson").doesNotContain("com.fasterxml");
            audited(r);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    // --- A03, A09 -------------------------------------------------------------------------------

    @Test
    void wrongMethodAndMediaTypeAreClearErrors() {
        HttpResponse<String> get = Http.get(gw.dataUrl("/v1/chat/completions"), "Authorization", bearer(key));
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        audited(get);
        HttpResponse<String> text = Http.post(gw.dataUrl("/v1/chat/completions"), BODY, "Authorization", bearer(key),
                "Content-Type", "text/plain");
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(text.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        audited(text);
    }

    @Test
    void adminRoutesAreNotOnTheDataPort() {
        for (String path : List.of("/admin/v1/tenants", "/metrics", "/healthz", "/admin/v1/config/status")) {
            HttpResponse<String> r = Http.get(gw.dataUrl(path), "Authorization", bearer(gw.adminToken));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            audited(r);
        }
    }

    private static byte[] concat(String head, byte[] body) {
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }
}
