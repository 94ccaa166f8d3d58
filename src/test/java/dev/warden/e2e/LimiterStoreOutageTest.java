package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RedisService;
import dev.warden.testing.TcpProxy;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The {@code redis} limiter store when Redis goes away (the connection to it cut by a relay) and
 * comes back: budgets fail closed (503 {@code limiter_unavailable}), rates are held to the
 * replica's share of the rate in memory, with no burst (the burst is Redis's to give: each outage
 * starts with empty buckets), or, for a tier with {@code whenStoreDown: refuse}, refused like
 * budgets; once Redis answers again the buckets used meanwhile have no burst left: the outage
 * forgives nothing.
 */
class LimiterStoreOutageTest {
    private static int admitted(TestGateway gw, String tenant, int requests) {
        int ok = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                    "Authorization", bearer(gw.key(tenant)));
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            }
        }
        return ok;
    }

    /** A test's steps, given a gateway whose limiter store is Redis behind the relay {@code redis}. */
    private interface Steps {
        void run(TestGateway gw, TcpProxy redis) throws Exception;
    }

    /** Runs {@code steps} against a gateway whose Redis is behind a relay; tier basic (globex): 10 a second, a burst of 10. */
    private static void throughRelay(Steps steps) throws Exception {
        throughRelay("", steps);
    }

    /** The same, tier basic's limits with {@code more} (YAML flow-map entries, each ending in a comma). */
    private static void throughRelay(String more, Steps steps) throws Exception {
        RedisService.require();
        try (TcpProxy redis = new TcpProxy("127.0.0.1", 6379)) {
            String limiter = "limiter: { store: redis, redis: \"redis://127.0.0.1:" + redis.port() + "\", namespace: "
                    + RedisService.freshNamespace() + ", timeoutMs: 200 }\n";
            TestGateway gw = new TestGateway(yaml -> limiter + yaml.replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                    "basic: { description: \"small\", maxOutputTokens: 50, limits: { " + more + "requestsPerMinute: 600, burstSeconds: 1 } }"),
                    Databases.fresh(Databases.Kind.SQLITE));
            try {
                steps.run(gw, redis);
            } finally {
                gw.close();
            }
        }
    }

    @Test
    void budgetsFailClosedRatesFallBackToTheShareAndTheReturnForgivesNothing() throws Exception {
        throughRelay((gw, redis) -> {
            HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                    "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":1000000,\"hard\":true}]}", "Authorization", bearer(gw.adminToken));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            Thread.sleep(300);
            assertThat(admitted(gw, "acme", 1)).isEqualTo(1);
            assertThat(gw.metric("warden_limiter_store_up")).isEqualTo(1);

            redis.cut();
            long cut = System.nanoTime();
            int during = admitted(gw, "globex", 20); // 10 a second, its burst of 10 not handed out again
            Thread.sleep(500);
            during += admitted(gw, "globex", 10);
            double seconds = (System.nanoTime() - cut) / 1e9;
            assertThat(during).as("the replica's share of the rate (all of it: one replica), no burst, in %.2f s", seconds)
                    .isBetween(4, (int) (10 * seconds + 1));
            assertThat(gw.metric("warden_limiter_store_up")).isZero();
            assertThat(gw.metric("warden_limiter_store_fallback_admissions_total")).isGreaterThanOrEqualTo(30);

            long upstream = gw.upstreamRequests();
            HttpResponse<String> budgeted = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                    "Authorization", bearer(gw.key("acme")));
            assertThat(budgeted.statusCode()).as("a budget that cannot be checked refuses").isEqualTo(503);
            assertThat(budgeted.body()).contains("\"code\":\"limiter_unavailable\"");
            assertThat(budgeted.headers().firstValue("Retry-After")).isPresent();
            assertThat(gw.upstreamRequests()).isEqualTo(upstream);
            assertThat(gw.metric("warden_admission_refusals_total", "code=\"limiter_unavailable\"", "mode=\"enforced\"")).isEqualTo(1);

            Thread.sleep(1200); // long enough for Redis's own bucket to have refilled a whole burst
            redis.restore();
            assertThat(gw.awaitMetric(1, "warden_limiter_store_up")).as("Redis is used again once it answers").isEqualTo(1);
            int after = admitted(gw, "globex", 10);
            double since = (System.nanoTime() - cut) / 1e9;
            assertThat(during + after).as("over the outage and after it, one burst and the rate for %.2f s, never more", since)
                    .isLessThanOrEqualTo((int) (10 + 10 * since + 1));
            assertThat(admitted(gw, "acme", 1)).as("budgets are checked again").isEqualTo(1);
        });
    }

    @Test
    void aShortOutageCostsTheBurstWhatWasAdmittedMeanwhileNotAll() throws Exception {
        throughRelay((gw, redis) -> {
            assertThat(admitted(gw, "acme", 1)).isEqualTo(1); // the connection to Redis is open
            redis.cut();
            assertThat(admitted(gw, "globex", 1)).as("the outage's buckets start empty: no burst at its start").isZero();
            assertThat(gw.metric("warden_limiter_store_up")).isZero();
            Thread.sleep(300); // the share's rate refills three
            assertThat(admitted(gw, "globex", 2)).as("two on the replica's share of the rate").isEqualTo(2);

            redis.restore();
            assertThat(gw.awaitMetric(1, "warden_limiter_store_up")).isEqualTo(1);
            long back = System.nanoTime();
            int after = admitted(gw, "globex", 12);
            double since = (System.nanoTime() - back) / 1e9;
            // Redis's bucket is debited the two (200 ms of its 1 s burst): eight more at once, and what the rate refilled
            assertThat(after).as("the burst less the two admitted meanwhile, in %.2f s", since)
                    .isBetween(8, (int) (8 + 10 * since + 1));
        });
    }

    @Test
    void aTierThatRefusesWhenTheStoreIsDownRefusesAndTheOthersShare() throws Exception {
        throughRelay("whenStoreDown: refuse, ", (gw, redis) -> {
            assertThat(admitted(gw, "globex", 1)).isEqualTo(1);
            redis.cut();
            long upstream = gw.upstreamRequests();
            HttpResponse<String> refused = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                    "Authorization", bearer(gw.key("globex")));
            assertThat(refused.statusCode()).as("basic refuses while its limits cannot be kept").isEqualTo(503);
            assertThat(refused.body()).contains("\"code\":\"limiter_unavailable\"");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(gw.upstreamRequests()).isEqualTo(upstream);
            assertThat(gw.metric("warden_admission_refusals_total", "code=\"limiter_unavailable\"", "mode=\"enforced\"")).isEqualTo(1);
            assertThat(admitted(gw, "acme", 1)).as("gold has no such rule: no limits to keep, admitted").isEqualTo(1);

            redis.restore();
            assertThat(gw.awaitMetric(1, "warden_limiter_store_up")).isEqualTo(1);
            assertThat(admitted(gw, "globex", 1)).as("admitted again once Redis answers").isEqualTo(1);
        });
    }
}
