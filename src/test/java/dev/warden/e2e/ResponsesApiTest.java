package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.moderations.ModerationCreateParams;
import com.openai.models.moderations.ModerationCreateResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI API surface beyond chat, through the official OpenAI Java SDK: the Responses API,
 * plain and streamed, metered like chat; a stored response is its tenant's (another tenant's id,
 * for GET, DELETE or previous_response_id, is answered exactly like an unknown one) and calls about
 * it reach the upstream that holds it; one model by id (only the caller's); moderations.
 */
class ResponsesApiTest {
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("  embed-sim: { pool: main }", "  embed-sim: { pool: main }\n  mod-sim: { pool: main }\n"
                        + "  img-sim: { pool: main, maxOutputTokens: 4160, price: { inputPer1k: 5000, outputPer1k: 40000 } }\n"
                        + "  whisper: { pool: main, upstreamName: whisper-sim, maxOutputTokens: 2000, price: { inputPer1k: 6000, outputPer1k: 10000 } }")
                .replace("maxJsonDepth: 32 }", "maxJsonDepth: 32, maxAudioBytes: 200000 }")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]",
                        "models: [echo, gpt-sim, embed-sim, scorer, us-only, mod-sim, img-sim, whisper]")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                        "gold: { description: \"top\", maxOutputTokens: 0, limits: { requestsPerMinute: 6000 } }"),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private OpenAIClient client(String tenant) {
        return OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1")).apiKey(gw.key(tenant)).maxRetries(0)
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static ResponseCreateParams.Builder ask(String text) {
        return ResponseCreateParams.builder().model("gpt-sim").input(text).maxOutputTokens(6L);
    }

    @Test
    void responsesArePlainOrStreamedAndMeteredLikeChat() throws Exception {
        OpenAIClient acme = client("acme");
        Response r = acme.responses().create(ask("tell me about the sea").build());
        assertThat(r.id()).startsWith("resp_");
        assertThat(r.output()).isNotEmpty();
        assertThat(r.usage()).hasValueSatisfying(u -> assertThat(u.outputTokens()).isEqualTo(6));

        List<String> deltas = new ArrayList<>();
        long[] usage = {-1};
        try (StreamResponse<ResponseStreamEvent> stream = acme.responses().createStreaming(ask("and the sky").build())) {
            stream.stream().forEach(e -> {
                e.outputTextDelta().ifPresent(d -> deltas.add(d.delta()));
                e.completed().ifPresent(c -> usage[0] = c.response().usage().orElseThrow().outputTokens());
            });
        }
        assertThat(deltas).hasSize(6);
        assertThat(usage[0]).as("the completed event, with its usage, reaches the client").isEqualTo(6);

        List<UsageRecord> rows = gw.usageRows("acme");
        assertThat(rows).filteredOn(u -> u.operation().equals("responses")).hasSize(2).allSatisfy(u -> {
            assertThat(u.outputTokens()).isEqualTo(6);
            assertThat(u.inputTokens()).isPositive();
            assertThat(u.costMicros()).isPositive();
        });
    }

    @Test
    void aStoredResponseIsItsTenantsOnOnlyTheUpstreamThatHoldsIt() throws Exception {
        OpenAIClient acme = client("acme");
        OpenAIClient globex = client("globex");
        String id = acme.responses().create(ask("remember this").build()).id();
        for (int i = 0; i < 6; i++) { // acme may use eu and us: every call about it goes where it is
            assertThat(acme.responses().retrieve(id).id()).isEqualTo(id);
        }
        HttpResponse<String> read = Http.call("GET", gw.dataUrl("/v1/responses/" + id), null, "Authorization", bearer(gw.key("acme")));
        assertThat(read.headers().firstValue("RateLimit")).as("a read reaches an upstream: admitted against the tenant's rates")
                .isPresent();
        Response next = acme.responses().create(ask("and then?").previousResponseId(id).build());
        assertThat(next.previousResponseId()).hasValue(id);

        // another tenant: the same answer as for an id that does not exist, and nothing reaches an upstream
        long upstream = gw.upstreamRequests();
        HttpResponse<String> theirs = Http.call("GET", gw.dataUrl("/v1/responses/" + id), null, "Authorization", bearer(gw.key("globex")));
        HttpResponse<String> unknown = Http.call("GET", gw.dataUrl("/v1/responses/resp_nobody"), null, "Authorization", bearer(gw.key("globex")));
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(strip(theirs.body())).isEqualTo(strip(unknown.body()));
        assertThatThrownBy(() -> globex.responses().retrieve(id)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> globex.responses().delete(id)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> globex.responses().create(ask("continue theirs").previousResponseId(id).build()))
                .isInstanceOf(NotFoundException.class);
        assertThat(gw.upstreamRequests()).as("no probe reached a model server").isEqualTo(upstream);

        String unstored = acme.responses().create(ask("forget this").store(false).build()).id();
        assertThatThrownBy(() -> acme.responses().retrieve(unstored)).isInstanceOf(NotFoundException.class);

        acme.responses().delete(id);
        assertThatThrownBy(() -> acme.responses().retrieve(id)).isInstanceOf(NotFoundException.class);
        List<UsageRecord> reads = gw.usageRows("acme").stream().filter(u -> u.operation().startsWith("response_")).toList();
        assertThat(reads).as("reading or deleting a response is never billed again").isNotEmpty()
                .allSatisfy(u -> assertThat(u.costMicros()).isZero());
    }

    /** The problem body without its request id (which differs by request). */
    private static String strip(String body) {
        return body.replaceAll("\"request_id\":\"[0-9a-f]+\"", "");
    }

    @Test
    void oneModelByIdIsOnlyTheCallersAndModerationsAreServed() throws Exception {
        assertThat(client("acme").models().retrieve("gpt-sim").id()).isEqualTo("gpt-sim");
        HttpResponse<String> theirs = Http.get(gw.dataUrl("/v1/models/echo"), "Authorization", bearer(gw.key("globex")));
        HttpResponse<String> none = Http.get(gw.dataUrl("/v1/models/no-such-model"), "Authorization", bearer(gw.key("globex")));
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(strip(theirs.body())).isEqualTo(strip(none.body()));

        ModerationCreateResponse m = client("acme").moderations().create(ModerationCreateParams.builder().model("mod-sim")
                .input("I will attack the castle").build());
        assertThat(m.results()).singleElement().satisfies(r -> assertThat(r.flagged()).isTrue());
        assertThat(gw.usageRows("acme")).filteredOn(u -> u.operation().equals("moderations")).singleElement()
                .satisfies(u -> assertThat(u.inputTokens()).isPositive());
    }

    @Test
    void imagesArePricedByTheTokensReportedOrAtTheWorstCaseWithoutThem() throws Exception {
        var images = client("acme").images().generate(com.openai.models.images.ImageGenerateParams.builder().model("img-sim")
                .prompt("a lighthouse at dusk").n(2).build());
        assertThat(images.data()).hasValueSatisfying(d -> assertThat(d).hasSize(2));
        List<UsageRecord> rows = gw.usageRows("acme").stream().filter(u -> u.operation().equals("images")).toList();
        assertThat(rows).singleElement().satisfies(u -> {
            assertThat(u.outputTokens()).isEqualTo(2 * 272);
            assertThat(u.costMicros()).isEqualTo(Math.ceilDiv(u.inputTokens() * 5000 + 2 * 272 * 40000, 1000L));
        });
        // a server that reports no usage is charged what admission reserved: n x the model's cap
        HttpResponse<String> quiet = Http.post(gw.dataUrl("/v1/images/generations"), "{\"model\":\"img-sim\",\"prompt\":\"a cat\",\"n\":3}",
                "Authorization", bearer(gw.key("acme")), "X-Sim-Fault", "no-usage");
        assertThat(quiet.statusCode()).isEqualTo(200);
        UsageRecord worst = gw.usageRow("acme", quiet.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(worst.outputTokens()).isEqualTo(3 * 4160);
        assertThat(gw.eu.lastBody() + gw.us.lastBody()).as("no output cap field is added to an image request").doesNotContain("max_tokens");
        HttpResponse<String> streamed = Http.post(gw.dataUrl("/v1/images/generations"), "{\"model\":\"img-sim\",\"prompt\":\"a cat\","
                + "\"stream\":true}", "Authorization", bearer(gw.key("acme")));
        assertThat(streamed.statusCode()).isEqualTo(400);
    }

    @Test
    void audioIsStreamedToDiskForwardedAsMultipartUnderItsModelsUpstreamNameAndPriced(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        long before = countAudioTemps(tmp);
        byte[] audio = new byte[120_000];
        new java.util.Random(7).nextBytes(audio);
        java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("hello.mp3"), audio);
        var t = client("acme").audio().transcriptions().create(com.openai.models.audio.transcriptions.TranscriptionCreateParams.builder()
                .file(file).model("whisper").build());
        assertThat(t.asTranscription().text()).as("the upstream got its own name for the model").contains("whisper-sim");
        UsageRecord row = gw.usageRows("acme").stream().filter(u -> u.operation().equals("audio_transcriptions")).findFirst().orElseThrow();
        assertThat(row.inputTokens()).as("the sim counts what it received: the whole file went upstream").isEqualTo(120_000 / 200 + 1);
        assertThat(row.outputTokens()).isEqualTo(8);
        assertThat(row.costMicros()).isPositive();

        java.nio.file.Path big = java.nio.file.Files.write(dir.resolve("long.mp3"), new byte[300_000]);
        assertThatThrownBy(() -> client("acme").audio().transcriptions().create(
                com.openai.models.audio.transcriptions.TranscriptionCreateParams.builder().file(big).model("whisper").build()))
                .isInstanceOf(com.openai.errors.OpenAIServiceException.class).hasMessageContaining("413");
        assertThatThrownBy(() -> client("globex").audio().transcriptions().create(
                com.openai.models.audio.transcriptions.TranscriptionCreateParams.builder().file(file).model("whisper").build()))
                .as("a model the tenant may not use").isInstanceOf(com.openai.errors.PermissionDeniedException.class);
        Thread.sleep(200);
        assertThat(countAudioTemps(tmp)).as("no temporary audio file is left behind").isEqualTo(before);
    }

    private static long countAudioTemps(java.nio.file.Path tmp) throws Exception {
        try (var files = java.nio.file.Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().startsWith("warden-audio-")).count();
        }
    }
}
