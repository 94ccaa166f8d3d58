package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ATTACKS C01: RFC 7662 introspection of a tenant's opaque tokens, failing closed. */
class IntrospectionTest {
    private static final String SECRET = "introspection-secret-for-tests"; // WARDEN_TEST_INTROSPECTION_SECRET (pom)
    private final Vertx vertx = Vertx.vertx();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int delayMs;
    private volatile int status = 200;
    private HttpServer endpoint;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        String expected = "Basic " + Base64.getEncoder().encodeToString(("warden:" + SECRET).getBytes());
        endpoint = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            calls.incrementAndGet();
            if (!expected.equals(req.getHeader("Authorization"))) {
                req.response().setStatusCode(401).end();
                return;
            }
            String token = URLDecoder.decode(body.toString().replaceAll(".*token=([^&]*).*", "$1"),
                    StandardCharsets.UTF_8);
            vertx.setTimer(Math.max(1, delayMs), t -> req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(answers.getOrDefault(token, "{\"active\":false}")));
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
        HttpResponse<String> r = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/auth"), """
                {"schemes":["api-key","introspection"],"introspection":{"url":"http://127.0.0.1:%d/introspect","clientId":"warden",
                 "clientSecretEnv":"WARDEN_TEST_INTROSPECTION_SECRET","cacheSeconds":60,"timeoutMs":500}}"""
                .formatted(endpoint.actualPort()), "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private HttpResponse<String> call(String token, String tenant) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(token), "X-Tenant-ID", tenant);
    }

    private static long in(int seconds) {
        return System.currentTimeMillis() / 1000 + seconds;
    }

    @Test
    void anActiveTokenOfTheNamedTenantIsServedAndCachedUntilItsExp() throws Exception {
        answers.put("opaque-1", "{\"active\":true,\"sub\":\"svc-7\",\"exp\":" + in(600) + ",\"roles\":[\"developer\"]}");
        assertThat(call("opaque-1", "acme").statusCode()).isEqualTo(200);
        int afterFirst = calls.get();
        assertThat(call("opaque-1", "acme").statusCode()).isEqualTo(200);
        assertThat(calls.get() - afterFirst).as("the second call (same event loop or the other) may introspect once more")
                .isLessThanOrEqualTo(1);
        // another tenant's path: the token never reaches acme's endpoint (globex does not introspect)
        int before = calls.get();
        HttpResponse<String> other = call("opaque-1", "globex");
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(calls.get()).isEqualTo(before);
        gw.assertAudited(other);
        // without a named tenant an opaque token cannot be introspected anywhere
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer("opaque-1"))
                .statusCode()).isEqualTo(401);

        // a cached answer never outlives exp
        answers.put("short", "{\"active\":true,\"sub\":\"svc-8\",\"exp\":" + in(2) + ",\"roles\":[\"developer\"]}");
        assertThat(call("short", "acme").statusCode()).isEqualTo(200);
        Thread.sleep(2100);
        HttpResponse<String> expired = call("short", "acme");
        assertThat(expired.statusCode()).isEqualTo(401);
        gw.assertAudited(expired);
    }

    @Test
    void everyFieldWardenReadsFromAnAnswerHasOneJsonTypeAndNoOtherIsWidened() throws Exception {
        answers.put("typed", "{\"active\":true,\"sub\":\"svc-7\",\"exp\":" + in(600) + ",\"roles\":[\"developer\"]}");
        assertThat(call("typed", "acme").statusCode()).as("well typed").isEqualTo(200);
        String[][] cases = {
            {"roles", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"roles\":\"developer\"}"},
            {"roles", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"roles\":[\"developer\",2]}"},
            {"sub", "{\"active\":true,\"sub\":7,\"username\":\"x\",\"exp\":" + in(600) + "}"}, // no fallback to username
            {"username", "{\"active\":true,\"username\":[\"x\"],\"exp\":" + in(600) + "}"},
            {"exp", "{\"active\":true,\"sub\":\"x\",\"exp\":\"" + in(600) + "\"}"},
            {"exp", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ".5}"},
            {"scope", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"scope\":[\"chat\"]}"},
            {"client_id", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"client_id\":1}"},
            {"iat", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"iat\":null}"},
        };
        long upstream = gw.upstreamRequests();
        for (int i = 0; i < cases.length; i++) {
            answers.put("mistyped-" + i, cases[i][1]);
            int mark = gw.auditMark();
            HttpResponse<String> r = call("mistyped-" + i, "acme");
            assertThat(r.statusCode()).as(cases[i][1]).isEqualTo(401);
            assertThat(gw.assertOneNewDeny(mark, "unauthenticated").reason()).as(cases[i][1])
                    .endsWith("introspection_claim_type:" + cases[i][0]);
        }
        assertThat(gw.upstreamRequests()).isEqualTo(upstream);
    }

    @Test
    void everyDoubtfulAnswerFailsClosed() throws Exception {
        answers.put("inactive", "{\"active\":false,\"sub\":\"x\",\"exp\":" + in(600) + "}");
        answers.put("no-active", "{\"sub\":\"x\",\"exp\":" + in(600) + "}");
        answers.put("string-true", "{\"active\":\"true\",\"sub\":\"x\",\"exp\":" + in(600) + ",\"roles\":[\"developer\"]}");
        answers.put("expired", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(-10) + ",\"roles\":[\"developer\"]}");
        answers.put("no-exp", "{\"active\":true,\"sub\":\"x\",\"roles\":[\"developer\"]}");
        answers.put("no-sub", "{\"active\":true,\"exp\":" + in(600) + ",\"roles\":[\"developer\"]}");
        answers.put("not-json", "active=true");
        long upstream = gw.upstreamRequests();
        for (String token : answers.keySet()) {
            HttpResponse<String> r = call(token, "acme");
            assertThat(r.statusCode()).as(token).isEqualTo(401);
            assertThat(r.body()).contains("\"code\":\"unauthenticated\"");
            gw.assertAudited(r);
        }
        answers.put("slow", "{\"active\":true,\"sub\":\"x\",\"exp\":" + in(600) + ",\"roles\":[\"developer\"]}");
        delayMs = 2000;
        long t0 = System.nanoTime();
        assertThat(call("slow", "acme").statusCode()).isEqualTo(401);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("refused within the 500 ms timeout").isLessThan(1500);
        delayMs = 0;
        status = 503;
        assertThat(call("slow", "acme").statusCode()).isEqualTo(401);
        status = 200;
        assertThat(call("slow", "acme").statusCode()).isEqualTo(200);
        assertThat(gw.upstreamRequests()).isEqualTo(upstream + 1);
    }
}
