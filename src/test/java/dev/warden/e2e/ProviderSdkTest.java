package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.warden.config.ProviderKind;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official SDKs, unchanged, pointed at Warden with a tenant's Warden key: OpenAI's Java SDK
 * on a model behind Anthropic's API (plain and streaming) and its view of Warden's refusals (the
 * code and message, and no retry of a spent budget); Anthropic's Java SDK on {@code /v1/messages},
 * on an Anthropic model and on an OpenAI-compatible one, plain and streaming.
 */
class ProviderSdkTest {
    private static final String KEY = "sk-ant-platform-key-sdk";
    private static Vertx vertx;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("warden-sdk");
        Files.writeString(dir.resolve("anthropic.key"), KEY);
        SimServer anthropic = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        anthropic.personality(new SimPersonality(ProviderKind.ANTHROPIC, () -> KEY, "2023-06-01"));
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", """
                        pools:
                          claude:
                            provider: anthropic
                            credential: { type: header, secretFile: "%s" }
                            upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ]
                        """.formatted(dir.resolve("anthropic.key"), anthropic.port()))
                .replace("models:\n", "models:\n  claude-sim: { pool: claude, upstreamName: claude-sonnet-sim, price: { inputPer1k: 3000, outputPer1k: 15000 } }\n")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]", "models: [echo, gpt-sim, embed-sim, scorer, us-only, claude-sim]")
                .replace("models: [gpt-sim, embed-sim]", "models: [gpt-sim, embed-sim, claude-sim]"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static OpenAIClient openAi(String key, int retries) {
        return OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1")).apiKey(key).maxRetries(retries).timeout(Duration.ofSeconds(10)).build();
    }

    private static AnthropicClient anthropic(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(gw.dataUrl("")).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void theOpenAiSdkTalksToAnAnthropicModel() {
        ChatCompletion c = openAi(gw.key("acme"), 0).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("claude-sim").addSystemMessage("be brief").addUserMessage("one two three").maxCompletionTokens(5).build());
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t.split(" ")).hasSize(5));
        assertThat(c.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isEqualTo(5);
            assertThat(u.completionTokens()).isEqualTo(5);
        });

        StringBuilder text = new StringBuilder();
        long[] usage = {-1};
        try (StreamResponse<ChatCompletionChunk> stream = openAi(gw.key("acme"), 0).chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude-sim").addUserMessage("one two three").maxCompletionTokens(4)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
        }
        assertThat(text.toString().split(" ")).hasSize(4);
        assertThat(usage[0]).isEqualTo(4);
    }

    @Test
    void theOpenAiSdkShowsWardensCodeAndMessageAndDoesNotRetryASpentBudget() throws Exception {
        UnauthorizedException unauthorized = catchThrowableOfType(UnauthorizedException.class, () ->
                openAi("wdn_aaaaaaaaaaaa_" + "B".repeat(43), 0).chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("claude-sim").addUserMessage("hi").build()));
        assertThat(unauthorized.code()).hasValue("unauthenticated");
        assertThat(unauthorized.getMessage()).contains("A valid API key for the requested tenant is required.");

        HttpResponse<String> put = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/globex/settings/budgets"),
                "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":1,\"hard\":true}]}", "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Thread.sleep(300); // the setting reaches the snapshot
        double before = gw.metric("warden_admission_refusals_total", "code=\"budget_exhausted\"", "mode=\"enforced\"");
        RateLimitException spent = catchThrowableOfType(RateLimitException.class, () ->
                openAi(gw.key("globex"), 2).chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("claude-sim").addUserMessage("hi").build()));
        assertThat(spent.code()).hasValue("budget_exhausted");
        assertThat(spent.type()).hasValue("insufficient_quota");
        assertThat(spent.getMessage()).contains("budget would be exceeded");
        assertThat(spent.headers().values("X-Should-Retry")).containsExactly("false");
        assertThat(gw.metric("warden_admission_refusals_total", "code=\"budget_exhausted\"", "mode=\"enforced\"") - before)
                .as("the SDK (2 retries allowed) asked once").isEqualTo(1);
    }

    @Test
    void theAnthropicSdkTalksToAnAnthropicModelAndToAnOpenAiOne() {
        for (String model : new String[] {"claude-sim", "gpt-sim"}) {
            Message m = anthropic(gw.key("acme")).messages().create(MessageCreateParams.builder().model(model).maxTokens(6)
                    .system("be brief").addUserMessage("one two three").build());
            String text = m.content().stream().flatMap(b -> b.text().stream()).map(t -> t.text()).reduce("", String::concat);
            assertThat(text.split(" ")).as(model).hasSize(6);
            assertThat(m.usage().outputTokens()).as(model).isEqualTo(6);
            assertThat(m.usage().inputTokens()).as(model).isPositive();

            StringBuilder streamed = new StringBuilder();
            long[] output = {-1};
            try (var stream = anthropic(gw.key("acme")).messages().createStreaming(MessageCreateParams.builder().model(model)
                    .maxTokens(3).addUserMessage("go on").build())) {
                stream.stream().forEach((RawMessageStreamEvent e) -> {
                    e.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> streamed.append(t.text()));
                    e.messageDelta().ifPresent(d -> output[0] = d.usage().outputTokens());
                });
            }
            assertThat(streamed.toString().split(" ")).as(model).hasSize(3);
            assertThat(output[0]).as(model).isEqualTo(3);
        }
    }

    @Test
    void theAnthropicSdkReadsWardensRefusals() {
        PermissionDeniedException denied = catchThrowableOfType(PermissionDeniedException.class, () ->
                anthropic(gw.key("initech")).messages().create(MessageCreateParams.builder().model("claude-sim").maxTokens(5)
                        .addUserMessage("hi").build()));
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.getMessage()).contains("model");
        assertThatThrownBy(() -> anthropic("sk-ant-not-a-warden-key-0000000000").messages().create(MessageCreateParams.builder()
                .model("claude-sim").maxTokens(5).addUserMessage("hi").build()))
                .isInstanceOf(com.anthropic.errors.UnauthorizedException.class); // (OpenAI's has the same simple name)
    }
}
