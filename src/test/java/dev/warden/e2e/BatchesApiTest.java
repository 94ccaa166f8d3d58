package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches through the official OpenAI Java SDK, run by Warden over its own pools: each line is a
 * request of the tenant's (charged and ledgered like one), the answers land in an output file of
 * the tenant's, the batch's key is revoked at its end, and another tenant's batch or file id is
 * answered like an unknown one.
 */
class BatchesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                "gold: { description: \"top\", maxOutputTokens: 0, batchPricePercent: 50 }") + "store: { files: { region: us } }\n",
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private OpenAIClient client(String tenant) {
        return OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1")).apiKey(gw.key(tenant)).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static String line(String id, String text) {
        return "{\"custom_id\":\"" + id + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-sim\","
                + "\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}\n";
    }

    private String upload(OpenAIClient c, Path dir, String content) throws Exception {
        Path f = Files.writeString(dir.resolve("in-" + System.nanoTime() + ".jsonl"), content);
        return c.files().create(FileCreateParams.builder().file(f).purpose(FilePurpose.BATCH).build()).id();
    }

    @Test
    void aBatchsLinesRunAsTheTenantsRequestsIntoAnOutputFileOfItsOwn(@TempDir Path dir) throws Exception {
        OpenAIClient acme = client("acme");
        String input = upload(acme, dir, line("a", "one") + line("b", "two") + "\n" + line("c", "three"));
        Batch created = acme.batches().create(BatchCreateParams.builder().inputFileId(input)
                .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build());
        assertThat(created.id()).startsWith("batch_");
        assertThat(created.requestCounts()).hasValueSatisfying(c -> assertThat(c.total()).isEqualTo(3));

        Batch done = created;
        long deadline = System.currentTimeMillis() + 20_000;
        while (!done.status().equals(Batch.Status.COMPLETED) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            done = acme.batches().retrieve(created.id());
        }
        assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
        assertThat(done.requestCounts()).hasValueSatisfying(c -> {
            assertThat(c.completed()).isEqualTo(3);
            assertThat(c.failed()).isZero();
        });
        String output = done.outputFileId().orElseThrow();
        List<JsonNode> lines;
        try (HttpResponse r = acme.files().content(output); InputStream in = r.body()) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
        }
        assertThat(lines).extracting(l -> l.path("custom_id").asText()).containsExactly("a", "b", "c");
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.path("response").path("status_code").asInt()).isEqualTo(200);
            assertThat(l.path("response").path("body").path("choices")).isNotEmpty();
        });

        // each line was a request of acme's: in its ledger, charged at the tier's batch price (half of the same request's)
        var direct = Http.post(gw.dataUrl("/v1/chat/completions"), JSON.readTree(line("x", "one")).path("body").toString(),
                "Authorization", bearer(gw.key("acme")));
        long full = gw.usageRow("acme", direct.headers().firstValue("X-Request-ID").orElseThrow()).costMicros();
        assertThat(full).isPositive();
        for (JsonNode l : lines) {
            UsageRecord row = gw.usageRow("acme", l.path("response").path("request_id").asText());
            assertThat(row.operation()).isEqualTo("chat_completions");
            if (l.path("custom_id").asText().equals("a")) {
                assertThat(row.costMicros()).isEqualTo(full * 50 / 100);
            }
        }
        // the batch's key ended with it
        JsonNode keys = JSON.readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/keys"), "Authorization", bearer(gw.adminToken)).body());
        assertThat(keys.path("keys").findValues("revoked")).as("the batch's key").anySatisfy(v -> assertThat(v.asBoolean()).isTrue());

        // another tenant: its list is empty, and acme's ids are unknown to it
        OpenAIClient globex = client("globex");
        assertThat(globex.batches().list().data()).isEmpty();
        var theirs = Http.get(gw.dataUrl("/v1/batches/" + created.id()), "Authorization", bearer(gw.key("globex")));
        var none = Http.get(gw.dataUrl("/v1/batches/batch_000000000000000000000000"), "Authorization", bearer(gw.key("globex")));
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(theirs.body()).isEqualTo(none.body());
        assertThatThrownBy(() -> globex.batches().cancel(created.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> globex.batches().create(BatchCreateParams.builder().inputFileId(input)
                .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build()))
                .as("another tenant's file").isInstanceOf(NotFoundException.class);
        assertThat(acme.batches().list().data()).extracting(Batch::id).containsExactly(created.id());
    }

    @Test
    void aBatchWhoseInputIsNotRunnableIsRefusedWhole(@TempDir Path dir) throws Exception {
        OpenAIClient acme = client("acme");
        String bad = upload(acme, dir, line("a", "one") + "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n");
        assertThatThrownBy(() -> acme.batches().create(BatchCreateParams.builder().inputFileId(bad)
                .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Line 2");
        String otherUrl = upload(acme, dir, line("a", "one"));
        assertThatThrownBy(() -> acme.batches().create(BatchCreateParams.builder().inputFileId(otherUrl)
                .endpoint(BatchCreateParams.Endpoint.V1_EMBEDDINGS).completionWindow(BatchCreateParams.CompletionWindow._24H).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("endpoint");
        assertThat(acme.batches().list().data()).isEmpty();
    }
}
