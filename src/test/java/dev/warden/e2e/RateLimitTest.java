package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission's limits over real HTTP: a tier's request rate with its burst, then 429 with
 * Retry-After and the RateLimit headers, nothing forwarded, each refusal audited; the per-key
 * rate; tenant concurrency; a tenant's overrides through the admin API; shadow mode.
 */
class RateLimitTest {
    private TestGateway gw;

    /** The {@code limiter:} block of the config: none here (the local store); the redis variant adds its own. */
    String limiter() {
        return "";
    }

    @BeforeEach
    void start() throws Exception {
        String limiter = limiter();
        gw = new TestGateway(yaml -> limiter + yaml
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, limits: { requestsPerMinute: 60, burstSeconds: 5 } }")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                        "gold: { description: \"top\", maxOutputTokens: 0, limits: { perKey: { requestsPerMinute: 120 }, perUser: { requestsPerMinute: 60 }, burstSeconds: 2, concurrency: 1 } }"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> call(String key) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key));
    }

    @Test
    void aTiersRateAdmitsItsBurstThenAnswers429WithItsHeaders() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = call(gw.key("globex"));
            assertThat(ok.statusCode()).as("request %d of the burst of 5", i).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"tenant-requests\";q=5;w=5");
            assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"tenant-requests\";r=" + (4 - i) + ";t=");
        }
        long before = gw.upstreamRequests();
        HttpResponse<String> limited = call(gw.key("globex"));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).contains("\"code\":\"rate_limited\"");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(limited.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"tenant-requests\";r=0;");
        assertThat(gw.upstreamRequests()).isEqualTo(before);
        gw.assertAudited(limited);
        assertThat(gw.metric("warden_admission_refusals_total", "code=\"rate_limited\"", "mode=\"enforced\"")).isEqualTo(1);
        // other tenants are not touched by globex's limit
        assertThat(call(gw.key("initech")).statusCode()).as("initech is on basic too, with its own bucket").isEqualTo(200);
        Thread.sleep(1100);
        assertThat(call(gw.key("globex")).statusCode()).as("one more a second").isEqualTo(200);
    }

    @Test
    void eachKeyHasItsRateAndTheTenantItsConcurrency() throws Exception {
        String first = gw.key("acme");
        String second = gw.key("acme-echo-only");
        int ok = 0;
        for (int i = 0; i < 6; i++) {
            ok += call(first).statusCode() == 200 ? 1 : 0;
        }
        assertThat(ok).as("per key: 120 a minute, burst of 2 s = 4").isEqualTo(4);
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(second)).statusCode())
                .as("another key of the tenant").isEqualTo(200);

        Thread.sleep(2100);
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":20,\"messages\":[]}", "Authorization", bearer(first),
                "X-Sim-Fault", "pace=20"));
        Thread.sleep(300);
        HttpResponse<String> second429 = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(second));
        assertThat(second429.statusCode()).as("one in flight is acme's concurrency").isEqualTo(429);
        assertThat(second429.body()).contains("\"code\":\"concurrency_limited\"");
        assertThat(slow.get().statusCode()).isEqualTo(200);
        // the seat is given back when the exchange completes, just after the client has the stream's end
        // (with the redis store, one more round trip): it is free again within moments
        int after = 0;
        for (long deadline = System.currentTimeMillis() + 2_000; after != 200 && System.currentTimeMillis() < deadline; ) {
            after = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(second)).statusCode();
            if (after != 200) {
                Thread.sleep(50);
            }
        }
        assertThat(after).as("the seat came back when the stream ended").isEqualTo(200);
    }

    @Test
    void eachEndUserTheBodyNamesHasItsOwnRate() {
        Function<String, Integer> as = user -> Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"gpt-sim\",\"user\":\"" + user + "\",\"messages\":[]}", "Authorization", bearer(gw.key("acme"))).statusCode();
        assertThat(as.apply("u1")).isEqualTo(200);
        assertThat(as.apply("u1")).isEqualTo(200);
        HttpResponse<String> third = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"user\":\"u1\",\"messages\":[]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(third.statusCode()).as("60 a minute per user, burst of 2 s = 2").isEqualTo(429);
        assertThat(third.headers().firstValue("RateLimit").orElseThrow()).contains("\"user-requests\";r=0");
        assertThat(as.apply("u2")).as("another end user of the same key").isEqualTo(200);
    }

    @Test
    void aTenantsOverridesReplaceItsTiersLimitsAndShadowModeRefusesNothing() throws Exception {
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/globex/settings/overrides"),
                "{\"requestsPerMinute\":600}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300);
        int ok = 0;
        long started = System.nanoTime();
        for (int i = 0; i < 60; i++) {
            ok += call(gw.key("globex")).statusCode() == 200 ? 1 : 0;
        }
        long refilled = (System.nanoTime() - started) / 100_000_000L + 1; // 10 a second come back meanwhile
        assertThat(ok).as("600 a minute, burst of 5 s = 50, plus the refill").isBetween(50, (int) Math.min(60, 50 + refilled));

        Http.call("PUT", gw.adminUrl("/admin/v1/tenants/globex/settings/overrides"), "{\"requestsPerMinute\":60,\"enforced\":false}",
                "Authorization", bearer(gw.adminToken));
        Thread.sleep(300);
        for (int i = 0; i < 10; i++) {
            assertThat(call(gw.key("globex")).statusCode()).isEqualTo(200);
        }
        assertThat(gw.metric("warden_admission_refusals_total", "code=\"rate_limited\"", "mode=\"shadow\"")).isPositive();
    }
}
