package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The tenant-scoped response cache through a real gateway (ATTACKS A12, A13): deterministic
 * requests are answered from the tenant's own entries, charged the tier's cache price; another
 * tenant's identical prompt, any changed parameter, a broken stream, an error or a bypass never is.
 * {@link RedisResponseCacheTest} runs the same with the cache in Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseCacheTest {
    protected TestGateway gw;

    /** The {@code cache:} block of the config (none: the local store). */
    protected String cacheStoreYaml() {
        return "";
    }

    @BeforeAll
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", "pools:\n  eu-pool:\n    upstreams:\n      - { url: \"" + euUrl(yaml) + "\", region: eu }\n")
                .replace("models:\n", "models:\n  gpt-eu: { pool: eu-pool, maxOutputTokens: 100, price: { inputPer1k: 1000, outputPer1k: 2000 } }\n")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                        "gold: { description: \"top\", maxOutputTokens: 0, cache: { ttlSeconds: 60, pricePercent: 10 } }")
                .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                        "basic: { description: \"small\", maxOutputTokens: 50, cache: { ttlSeconds: 1 } }")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]", "models: [echo, gpt-sim, embed-sim, scorer, us-only, gpt-eu]")
                .replace("models: [gpt-sim, embed-sim]", "models: [gpt-sim, embed-sim, gpt-eu]")
                + cacheStoreYaml(), Databases.fresh(Databases.Kind.SQLITE));
    }

    /** The eu sim's URL, as the generated config names it in its main pool. */
    private static String euUrl(String yaml) {
        Matcher m = Pattern.compile("\"(http://127\\.0\\.0\\.1:\\d+)\", region: eu").matcher(yaml);
        if (!m.find()) {
            throw new AssertionError("no eu upstream in the test config");
        }
        return m.group(1);
    }

    @AfterAll
    void stop() throws Exception {
        gw.close();
    }

    private static String body(String prompt, String extra) {
        return "{\"model\":\"gpt-eu\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]" + extra + "}";
    }

    private HttpResponse<String> ask(String tenant, String body, String... headers) {
        String[] all = Http.authorized(bearer(gw.key(tenant)), headers);
        return Http.post(gw.dataUrl("/v1/chat/completions"), body, all);
    }

    private String unique(String name) {
        return name + "-" + System.nanoTime();
    }

    @Test
    void aDeterministicRequestIsAnsweredFromTheTenantsCacheAndChargedItsCachePrice() throws Exception {
        String b = body(unique("capital of France"), ",\"temperature\":0");
        long before = gw.eu.requestCount();
        HttpResponse<String> first = ask("acme", b);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Cache")).hasValue("miss");
        HttpResponse<String> second = ask("acme", b);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("X-Cache")).hasValue("hit");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("X-Tenant-ID")).hasValue("acme");
        assertThat(second.headers().firstValue("X-Upstream-Region")).hasValue("eu");
        assertThat(second.headers().firstValue("X-Request-ID")).isNotEqualTo(first.headers().firstValue("X-Request-ID"));
        assertThat(gw.eu.requestCount() - before).as("one upstream call for two answers").isEqualTo(1);

        UsageRecord made = gw.usageRow("acme", first.headers().firstValue("X-Request-ID").orElseThrow());
        UsageRecord hit = gw.usageRow("acme", second.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(made.cacheHit()).isFalse();
        assertThat(hit.cacheHit()).isTrue();
        assertThat(made.costMicros()).isPositive();
        assertThat(hit.outputTokens()).isEqualTo(made.outputTokens());
        assertThat(hit.costMicros()).as("10 % of the answer's cost").isEqualTo(made.costMicros() * 10 / 100);
        assertThat(gw.metric("warden_cache_requests_total", "tenant=\"acme\"", "result=\"hit\"")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aTenantServedFromSeveralRegionsHitsWhicheverAnsweredAndItsRegionsDecideWhatItMayGet() throws Exception {
        // gpt-sim runs in eu and us, and acme may use both: the upstream picked does not split the cache
        String b = "{\"model\":\"gpt-sim\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"" + unique("anywhere") + "\"}]}";
        HttpResponse<String> first = ask("acme", b);
        assertThat(first.headers().firstValue("X-Cache")).hasValue("miss");
        String producedIn = first.headers().firstValue("X-Upstream-Region").orElseThrow();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> again = ask("acme", b);
            assertThat(again.headers().firstValue("X-Cache")).as("repeat " + i).hasValue("hit");
            assertThat(again.headers().firstValue("X-Upstream-Region")).as("where it was produced").hasValue(producedIn);
        }

        // a tenant whose regions narrow to eu never gets what was kept while it could be served anywhere
        String admin = bearer(gw.adminToken);
        assertThat(Http.post(gw.adminUrl("/admin/v1/tenants"), "{\"id\":\"delta\",\"tier\":\"gold\",\"regions\":[\"*\"],"
                + "\"models\":[\"gpt-sim\"]}", "Authorization", admin).statusCode()).isEqualTo(201);
        String key = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Http.post(gw.adminUrl("/admin/v1/tenants/delta/keys"), "{}",
                "Authorization", admin).body()).path("key").asText();
        Thread.sleep(300);
        String d = "{\"model\":\"gpt-sim\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"" + unique("narrowed") + "\"}]}";
        HttpResponse<String> kept = Http.post(gw.dataUrl("/v1/chat/completions"), d, "Authorization", bearer(key));
        assertThat(kept.headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), d, "Authorization", bearer(key)).headers().firstValue("X-Cache"))
                .hasValue("hit");
        assertThat(Http.call("PATCH", gw.adminUrl("/admin/v1/tenants/delta"), "{\"regions\":[\"eu\"]}", "Authorization", admin)
                .statusCode()).isEqualTo(200);
        Thread.sleep(300);
        HttpResponse<String> narrowed = Http.post(gw.dataUrl("/v1/chat/completions"), d, "Authorization", bearer(key));
        assertThat(narrowed.headers().firstValue("X-Cache")).as("its eu-only key has nothing from anywhere").hasValue("miss");
        assertThat(narrowed.headers().firstValue("X-Upstream-Region")).hasValue("eu");
        HttpResponse<String> hit = Http.post(gw.dataUrl("/v1/chat/completions"), d, "Authorization", bearer(key));
        assertThat(hit.headers().firstValue("X-Cache")).hasValue("hit");
        assertThat(hit.headers().firstValue("X-Upstream-Region")).hasValue("eu");
    }

    @Test
    void aDeterministicStreamIsReplayedFromTheCacheAsTheClientFirstReceivedIt() throws Exception {
        String prompt = unique("stream me");
        String b = body(prompt, ",\"temperature\":0,\"stream\":true");
        long before = gw.eu.requestCount();
        HttpResponse<String> first = ask("acme", b);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(first.body()).contains("data: ").endsWith("data: [DONE]\n\n");
        HttpResponse<String> second = ask("acme", b);
        assertThat(second.headers().firstValue("X-Cache")).hasValue("hit");
        assertThat(second.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(gw.eu.requestCount() - before).as("one upstream call for two streams").isEqualTo(1);
        UsageRecord made = gw.usageRow("acme", first.headers().firstValue("X-Request-ID").orElseThrow());
        UsageRecord hit = gw.usageRow("acme", second.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(hit.cacheHit()).isTrue();
        assertThat(hit.outputTokens()).isEqualTo(made.outputTokens()).isPositive();
        assertThat(hit.costMicros()).isEqualTo(made.costMicros() * 10 / 100);

        // the same request unstreamed is another entry (its answer is JSON, not events)
        HttpResponse<String> plain = ask("acme", body(prompt, ",\"temperature\":0"));
        assertThat(plain.headers().firstValue("X-Cache")).hasValue("miss");
        // another tenant never gets it (A12)
        assertThat(ask("globex", b, "X-Tenant-ID", "globex").headers().firstValue("X-Cache")).hasValue("miss");

        // a stream that broke off is not kept
        String broken = body(unique("breaks"), ",\"temperature\":0,\"stream\":true");
        ask("acme", broken, "X-Sim-Fault", "reset-after=2");
        assertThat(ask("acme", broken).headers().firstValue("X-Cache")).as("a broken stream is never kept").hasValue("miss");
    }

    @Test
    void anotherTenantsIdenticalPromptMisses() throws Exception { // A12
        String b = body(unique("shared secret question"), ",\"temperature\":0");
        assertThat(ask("acme", b).headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(ask("acme", b).headers().firstValue("X-Cache")).hasValue("hit");
        long before = gw.eu.requestCount();
        HttpResponse<String> other = ask("globex", b, "X-Tenant-ID", "globex");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(gw.eu.requestCount() - before).isEqualTo(1);
        assertThat(gw.lastUpstreamHeaders().get("X-Tenant-ID")).isEqualTo("globex");
    }

    @Test
    void everyParameterThatChangesTheAnswerIsPartOfTheKey() throws Exception { // A13
        String prompt = unique("the same words");
        String base = ",\"temperature\":0,\"seed\":1";
        assertThat(ask("acme", body(prompt, base)).headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(ask("acme", body(prompt, base)).headers().firstValue("X-Cache")).hasValue("hit");
        for (String changed : List.of(",\"temperature\":0,\"seed\":2", ",\"temperature\":0.0,\"seed\":1,\"top_p\":0.5",
                base + ",\"logit_bias\":{\"50256\":-100}", base + ",\"user\":\"alice\"",
                base + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]",
                base + ",\"max_tokens\":7")) {
            long before = gw.eu.requestCount();
            HttpResponse<String> r = ask("acme", body(prompt, changed));
            assertThat(r.headers().firstValue("X-Cache")).as(changed).hasValue("miss");
            assertThat(gw.eu.requestCount() - before).as(changed).isEqualTo(1);
        }
        HttpResponse<String> encoded = ask("acme", body(prompt, base), "Accept-Encoding", "gzip");
        assertThat(encoded.headers().firstValue("X-Cache")).as("another Accept-Encoding").hasValue("miss");
        // the same parameters in another order are the same request
        String reordered = "{\"seed\":1,\"messages\":[{\"content\":\"" + prompt + "\",\"role\":\"user\"}],\"temperature\":0,\"model\":\"gpt-eu\"}";
        assertThat(ask("acme", reordered).headers().firstValue("X-Cache")).hasValue("hit");
    }

    @Test
    void nonDeterministicStreamedFailedAndBypassedRequestsAreNotServedFromTheCache() throws Exception {
        String warm = body(unique("warm"), ",\"temperature\":0.7");
        long before = gw.eu.requestCount();
        assertThat(ask("acme", warm).headers().firstValue("X-Cache")).isEmpty();
        assertThat(ask("acme", warm).headers().firstValue("X-Cache")).isEmpty();
        assertThat(gw.eu.requestCount() - before).isEqualTo(2);
        // the client may opt in
        assertThat(ask("acme", warm, "X-Warden-Cache", "use").headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(ask("acme", warm, "X-Warden-Cache", "use").headers().firstValue("X-Cache")).hasValue("hit");

        String stream = body(unique("stream"), ",\"temperature\":0.7,\"stream\":true");
        before = gw.eu.requestCount();
        ask("acme", stream);
        HttpResponse<String> again = ask("acme", stream);
        assertThat(again.headers().firstValue("X-Cache")).isEmpty();
        assertThat(gw.eu.requestCount() - before).as("a non-deterministic stream is always forwarded").isEqualTo(2);

        String failing = body(unique("fails first"), ",\"temperature\":0");
        assertThat(ask("acme", failing, "X-Sim-Fault", "status=500").statusCode()).isEqualTo(500);
        HttpResponse<String> afterError = ask("acme", failing);
        assertThat(afterError.statusCode()).isEqualTo(200);
        assertThat(afterError.headers().firstValue("X-Cache")).as("an error is never kept").hasValue("miss");

        before = gw.eu.requestCount();
        HttpResponse<String> bypass = ask("acme", failing, "X-Warden-Cache", "bypass");
        assertThat(bypass.headers().firstValue("X-Cache")).isEmpty();
        assertThat(gw.eu.requestCount() - before).isEqualTo(1);

        HttpResponse<String> bad = ask("acme", failing, "X-Warden-Cache", "please");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"code\":\"invalid_header\"");
    }

    @Test
    void entriesExpireAfterTheTiersTtl() throws Exception {
        String b = body(unique("short lived"), ",\"temperature\":0");
        assertThat(ask("globex", b).headers().firstValue("X-Cache")).hasValue("miss");
        assertThat(ask("globex", b).headers().firstValue("X-Cache")).hasValue("hit");
        Thread.sleep(1100);
        assertThat(ask("globex", b).headers().firstValue("X-Cache")).hasValue("miss");
    }
}
