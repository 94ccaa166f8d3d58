package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.ProviderKind;
import dev.warden.record.UsageRecord;
import dev.warden.sim.SimOptions;
import dev.warden.sim.SimPersonality;
import dev.warden.sim.SimServer;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstreams that want the platform's own key: an OpenAI server behind a bearer key and an Azure
 * OpenAI deployment (api-key, api-version, deployment paths), each a sim that refuses anything
 * else. The key comes from a file, reaches the upstream and nothing else, is rotated by
 * rewriting the file, and a wrong one gives the client a clean 502 that names no secret.
 */
class ProviderCredentialsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AZURE_VERSION = "2024-10-21";

    private final Vertx vertx = Vertx.vertx();
    private final AtomicReference<String> openAiKey = new AtomicReference<>("sk-platform-openai-0001");
    private final AtomicReference<String> azureKey = new AtomicReference<>("azure-platform-key-0001");
    private Path dir;
    private SimServer openai;
    private SimServer azure;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("warden-providers");
        Files.writeString(dir.resolve("openai.key"), openAiKey.get() + "\n");
        Files.writeString(dir.resolve("azure.key"), azureKey.get());
        openai = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        openai.personality(new SimPersonality(ProviderKind.OPENAI, openAiKey::get, null));
        azure = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        azure.personality(new SimPersonality(ProviderKind.AZURE_OPENAI, azureKey::get, AZURE_VERSION));
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", """
                        pools:
                          openai-pool:
                            credential: { type: bearer, secretFile: "%s" }
                            upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ]
                          openai-keyless:
                            upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ]
                          azure-pool:
                            provider: azure-openai
                            apiVersion: "%s"
                            credential: { type: header, secretFile: "%s" }
                            upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ]
                        """.formatted(dir.resolve("openai.key"), openai.port(), openai.port(), AZURE_VERSION, dir.resolve("azure.key"),
                        azure.port()))
                .replace("models:\n", """
                        models:
                          platform-echo: { pool: openai-pool, upstreamName: echo }
                          reasoner: { pool: openai-pool, upstreamName: gpt-sim, maxTokensField: max_completion_tokens }
                          keyless: { pool: openai-keyless, upstreamName: gpt-sim }
                          azure-gpt: { pool: azure-pool, upstreamName: gpt-4o-deploy, price: { inputPer1k: 500, outputPer1k: 1500 } }
                          azure-embed: { pool: azure-pool, upstreamName: embed-deploy }
                        """)
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]",
                        "models: [echo, gpt-sim, embed-sim, scorer, us-only, platform-echo, reasoner, keyless, azure-gpt, azure-embed]"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> call(String model, String... extraHeaders) {
        String[] headers = new String[2 + extraHeaders.length];
        headers[0] = "Authorization";
        headers[1] = bearer(gw.key("acme"));
        System.arraycopy(extraHeaders, 0, headers, 2, extraHeaders.length);
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat(model, "hello there"), headers);
    }

    @Test
    void theUpstreamGetsThePlatformsKeyAndNeverTheClients() throws Exception {
        HttpResponse<String> r = call("platform-echo", "api-key", "client-azure-key", "X-Api-Key-Extra", "fine",
                "OpenAI-Organization", "org-client");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // the echo model answers with the headers the upstream received
        JsonNode seen = JSON.readTree(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText());
        assertThat(seen.path("authorization").asText()).isEqualTo("Bearer " + openAiKey.get());
        assertThat(seen.has("api-key")).as("the client's provider headers are dropped").isFalse();
        assertThat(seen.has("openai-organization")).isFalse();
        assertThat(seen.path("x-api-key-extra").asText()).isEqualTo("fine");
        assertThat(openai.lastHeaders().get("Authorization")).doesNotContain(gw.key("acme"));
    }

    @Test
    void anAzureDeploymentIsCalledByItsPathVersionAndKeyPlainAndStreaming() throws Exception {
        HttpResponse<String> r = call("azure-gpt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-deploy");
        assertThat(azure.lastHeaders().get("api-key")).isEqualTo(azureKey.get());
        assertThat(azure.lastHeaders().get("Authorization")).isNull();
        UsageRecord row = gw.usageRow("acme", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.model()).isEqualTo("azure-gpt");
        assertThat(row.inputTokens()).isEqualTo(body.path("usage").path("prompt_tokens").asLong());
        assertThat(row.outputTokens()).isPositive().isEqualTo(body.path("usage").path("completion_tokens").asLong());
        assertThat(row.costMicros()).isPositive();

        HttpResponse<String> stream = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"azure-gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
        assertThat(stream.body()).contains("data: [DONE]").doesNotContain("\"usage\"");
        UsageRecord streamed = gw.usageRow("acme", stream.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(streamed.outputTokens()).as("usage read from the stream Warden asked usage for").isPositive();

        HttpResponse<String> embed = Http.post(gw.dataUrl("/v1/embeddings"), "{\"model\":\"azure-embed\",\"input\":\"some words\"}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(embed.statusCode()).as(embed.body()).isEqualTo(200);
        assertThat(JSON.readTree(embed.body()).path("model").asText()).isEqualTo("embed-deploy");
    }

    @Test
    void aWrongProviderKeyIsACleanBadGatewayThatNamesNoSecret() throws Exception {
        azureKey.set("azure-key-the-file-does-not-have");
        HttpResponse<String> r = call("azure-gpt");
        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("code").asText()).isEqualTo("upstream_auth_failed");
        assertThat(r.body()).doesNotContain("azure-platform-key").doesNotContain("subscription key").doesNotContain(gw.key("acme"));
        UsageRecord row = gw.usageRow("acme", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.inputTokens() + row.outputTokens()).as("nothing was generated").isZero();
    }

    @Test
    void aMissingProviderKeyIsTheSameCleanBadGateway() throws Exception {
        HttpResponse<String> r = call("keyless"); // a pool whose credential was forgotten, in front of a server that wants one
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("upstream_auth_failed");
        assertThat(r.body()).doesNotContain("Incorrect API key");
    }

    @Test
    void aKeyedOpenAiServerStreamsWithItsUsageRead() throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"reasoner\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("data: [DONE]");
        assertThat(openai.lastHeaders().get("Authorization")).isEqualTo("Bearer " + openAiKey.get());
        UsageRecord row = gw.usageRow("acme", r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(row.inputTokens()).isEqualTo(2);
        assertThat(row.outputTokens()).isEqualTo(5);
    }

    @Test
    void aKeyIsRotatedByRewritingItsFile() throws Exception {
        assertThat(call("platform-echo").statusCode()).isEqualTo(200);
        openAiKey.set("sk-platform-openai-0002"); // the provider now wants the new key...
        assertThat(call("platform-echo").statusCode()).isEqualTo(502);
        Files.writeString(dir.resolve("openai.key"), "sk-platform-openai-0002\n"); // ...and the platform rotates it
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = 0;
        while (System.nanoTime() < deadline && (status = call("platform-echo").statusCode()) != 200) {
            Thread.sleep(100);
        }
        assertThat(status).as("the new key is used within seconds, without a restart").isEqualTo(200);
        assertThat(openai.lastHeaders().get("Authorization")).isEqualTo("Bearer sk-platform-openai-0002");
    }

    @Test
    void theCapGoesInTheFieldTheModelTakes() throws Exception {
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"),
                "{\"model\":\"reasoner\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = JSON.readTree(openai.lastBody());
        assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(7);
        assertThat(sent.has("max_tokens")).isFalse();

        Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"reasoner\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", bearer(gw.key("acme")));
        JsonNode capped = JSON.readTree(openai.lastBody());
        assertThat(capped.path("max_completion_tokens").asInt()).as("the cap admission reserved for, in its field").isPositive();
        assertThat(capped.has("max_tokens")).isFalse();
    }
}
