package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.store.StoredJob;
import dev.warden.testing.Http;
import dev.warden.testing.RedisService;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The job budget tests again, with the budgets' accounts in Redis (the {@code redis} limiter store), and two replicas sharing them. */
class RedisJobBudgetTest extends JobBudgetTest {
    @Override
    String limiter() {
        RedisService.require();
        return RedisService.limiterYaml(RedisService.freshNamespace(), 60);
    }

    /** Through {@code gw}, with {@code key} (the replicas share their keys). */
    private static CompletableFuture<HttpResponse<String>> job(TestGateway gw, String key, int gpus, String maxHours) {
        return CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/api/v1/tenants/acme/jobs"), "{\"model\":\"gpt-sim\","
                + "\"kind\":\"training\",\"params\":{\"durationMs\":60000},\"resources\":{\"gpus\":" + gpus + ",\"maxHours\":" + maxHours
                + "}}", "Authorization", bearer(key)));
    }

    private static void budget(TestGateway gw, long micros) {
        HttpResponse<String> set = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":" + micros + "}]}", "Authorization", bearer(gw.adminToken));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    }

    /** A's model servers and keys in b's config: two replicas of one deployment. */
    private static String sameAs(TestGateway a, String yaml) {
        String out = yaml.replaceAll("http://127\\.0\\.0\\.1:\\d+\", region: eu", "http://127.0.0.1:" + a.eu.port() + "\", region: eu")
                .replaceAll("http://127\\.0\\.0\\.1:\\d+\", region: us", "http://127.0.0.1:" + a.us.port() + "\", region: us");
        Matcher theirs = KEY.matcher(a.yaml());
        Matcher ours = KEY.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (ours.find() && theirs.find()) {
            ours.appendReplacement(sb, Matcher.quoteReplacement(theirs.group()));
        }
        ours.appendTail(sb);
        return sb.toString();
    }

    private static final Pattern KEY = Pattern.compile("key: \"[^\"]+\"");

    @Test
    void twoReplicasNeverAdmitJobsPastTheBudgetNorStartThemPastThePoolsGpus() throws Exception {
        String shared = limiter(); // one Redis namespace, one control store: two replicas of one deployment
        try (TestGateway a = gateway(shared); TestGateway b = gateway(shared, yaml -> sameAs(a, yaml))) {
            budget(a, 7_300);
            Thread.sleep(500); // both snapshots follow the store
            // four jobs of 7,200 micro-units at once, two through each replica: one fits
            List<CompletableFuture<HttpResponse<String>>> asks = new ArrayList<>();
            for (TestGateway gw : List.of(a, b, a, b)) {
                asks.add(job(gw, a.key("acme"), 2, "0.001"));
            }
            List<Integer> statuses = asks.stream().map(f -> f.join().statusCode()).toList();
            assertThat(statuses).as(statuses.toString()).containsExactlyInAnyOrder(201, 429, 429, 429);

            // six 1-GPU jobs at once, three through each: the pool lends 4 GPUs, 2 are held already
            budget(a, 1_000_000_000);
            Thread.sleep(500);
            asks.clear();
            for (int i = 0; i < 3; i++) {
                asks.add(job(a, a.key("acme"), 1, "0.001"));
                asks.add(job(b, a.key("acme"), 1, "0.001"));
            }
            assertThat(asks.stream().map(f -> f.join().statusCode()).toList()).containsOnly(201);
            List<StoredJob> jobs = a.store.jobs().list("acme", null);
            assertThat(jobs.stream().filter(j -> j.state().equals("running")).mapToInt(j -> j.resources().gpus()).sum())
                    .as("never more than the pool lends").isEqualTo(4);
            assertThat(jobs.stream().filter(j -> j.state().equals("queued"))).hasSize(4);
        }
    }
}
