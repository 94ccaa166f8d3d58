package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission's cost estimate over real HTTP: the output cap a request is forwarded with is the one
 * its cost was estimated with (set when the client named none), and malformed limits or a prompt
 * beyond the model's context are refused before anything reaches an upstream.
 */
class AdmissionCostTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("scorer: { pool: main,", "scorer: { pool: main, maxInputTokens: 40,")
                .replace("embed-sim: { pool: main }", "embed-sim: { pool: main, maxInputTokens: 200000 }"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private String lastForwarded;

    private HttpResponse<String> post(String tenant, String path, String body) {
        long eu = gw.eu.requestCount();
        HttpResponse<String> r = Http.post(gw.dataUrl(path), body, "Authorization", bearer(gw.key(tenant)));
        lastForwarded = gw.eu.requestCount() > eu ? gw.eu.lastBody() : gw.us.lastBody();
        return r;
    }

    /** The body the upstream that served the last request received. */
    private JsonNode forwarded() throws Exception {
        return JSON.readTree(lastForwarded);
    }

    @Test
    void aRequestWithoutACapIsForwardedWithTheCapItsCostWasEstimatedWith() throws Exception {
        HttpResponse<String> r = post("acme", "/v1/chat/completions", "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(forwarded().path("max_tokens").asInt()).as("gpt-sim: maxOutputTokens 100, default min(256, 100)").isEqualTo(100);
        assertThat(JSON.readTree(r.body()).path("usage").path("completion_tokens").asInt()).isLessThanOrEqualTo(100);
        post("globex", "/v1/chat/completions", "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(forwarded().path("max_tokens").asInt()).as("globex's tier caps at 50").isEqualTo(50);
        post("acme", "/v1/chat/completions", "{\"model\":\"gpt-sim\",\"max_completion_tokens\":7,\"messages\":[]}");
        assertThat(forwarded().has("max_tokens")).as("a client's own cap below the limits is left as it is").isFalse();
        assertThat(forwarded().path("max_completion_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void aTenantsOverrideOfTheOutputCapReplacesItsTiers() throws Exception {
        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/globex/settings/overrides"),
                "{\"maxOutputTokens\":7}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300); // the setting reaches the snapshot
        post("globex", "/v1/chat/completions", "{\"model\":\"gpt-sim\",\"max_tokens\":40,\"messages\":[]}");
        assertThat(forwarded().path("max_tokens").asInt()).as("globex's override (7) in place of its tier's cap (50)").isEqualTo(7);
        post("acme", "/v1/chat/completions", "{\"model\":\"gpt-sim\",\"max_tokens\":40,\"messages\":[]}");
        assertThat(forwarded().path("max_tokens").asInt()).as("another tenant keeps its own").isEqualTo(40);
    }

    @Test
    void malformedLimitsAndPromptsBeyondTheContextNeverReachAnUpstream() throws Exception {
        long before = gw.upstreamRequests();
        for (String body : new String[] {"{\"model\":\"gpt-sim\",\"n\":0,\"messages\":[]}", "{\"model\":\"gpt-sim\",\"n\":99,\"messages\":[]}",
                "{\"model\":\"gpt-sim\",\"max_tokens\":0,\"messages\":[]}", "{\"model\":\"gpt-sim\",\"max_tokens\":\"many\",\"messages\":[]}"}) {
            HttpResponse<String> r = post("acme", "/v1/chat/completions", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            gw.assertAudited(r);
        }
        HttpResponse<String> big = post("acme", "/v1/chat/completions",
                "{\"model\":\"scorer\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "many words here ".repeat(20) + "\"}]}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("\"code\":\"prompt_too_large\"");
        gw.assertAudited(big);
        assertThat(gw.upstreamRequests()).isEqualTo(before);
    }

    @Test
    void aLargePromptIsCountedOffTheEventLoopAndGoesThrough() throws Exception {
        String input = "the quick brown fox jumps over the lazy dog ".repeat(1200); // ~53 KB, ~10k tokens
        HttpResponse<String> r = post("acme", "/v1/embeddings", "{\"model\":\"embed-sim\",\"input\":\"" + input + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
