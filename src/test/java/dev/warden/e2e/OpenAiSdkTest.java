package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.warden.testing.GatewayTestBase;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at Warden with a tenant key, plain and streaming. */
class OpenAiSdkTest extends GatewayTestBase {

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1")).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("one two three").maxCompletionTokens(5);
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client(gw.key("globex")).chat().completions().create(params("gpt-sim").build());
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t.split(" ")).hasSize(5));
        assertThat(c.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isEqualTo(3);
            assertThat(u.completionTokens()).isEqualTo(5);
        });
    }

    @Test
    void streamingChatCompletionWithUsage() {
        StringBuilder text = new StringBuilder();
        long[] usage = {-1};
        try (StreamResponse<ChatCompletionChunk> stream = client(gw.key("globex")).chat().completions().createStreaming(
                params("gpt-sim").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
        }
        assertThat(text.toString().split(" ")).hasSize(5);
        assertThat(usage[0]).isEqualTo(5);
    }

    @Test
    void modelsAndEmbeddings() {
        OpenAIClient c = client(gw.key("globex"));
        List<String> ids = c.models().list().data().stream().map(Model::id).collect(Collectors.toList());
        assertThat(ids).containsExactly("gpt-sim", "embed-sim");
        CreateEmbeddingResponse e = c.embeddings().create(EmbeddingCreateParams.builder().model("embed-sim").input("a b c").build());
        assertThat(e.data().get(0).embedding()).hasSize(8);
        assertThat(e.usage().promptTokens()).isEqualTo(3);
    }

    @Test
    void aWrongKeyIsAnAuthenticationError() {
        assertThatThrownBy(() -> client("wdn_aaaaaaaaaaaa_" + "B".repeat(43)).chat().completions().create(params("gpt-sim").build()))
                .isInstanceOf(UnauthorizedException.class);
    }
}
