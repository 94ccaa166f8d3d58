package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
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
import dev.warden.testing.OtlpCollector;
import dev.warden.testing.TestGateway;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Anthropic both ways, over real HTTP: OpenAI clients call a model on an {@code anthropic} pool
 * (chat translated to the Messages API and back, streaming event by event, tools included), and
 * Anthropic clients call {@code /v1/messages} on an Anthropic model (passed on) or on an
 * OpenAI-compatible one (translated). Usage is read in every case and lands in the ledger; the
 * upstream sees the platform's key, never the client's; refusals come in the client's shape.
 */
class AnthropicProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-platform-key-0001";
    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}}]";

    private static Vertx vertx;
    private static SimServer anthropic;
    private static TestGateway gw;
    /** Where the spans of the translated calls go. */
    private static OtlpCollector collector;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        collector = new OtlpCollector();
        Path dir = Files.createTempDirectory("warden-anthropic");
        Files.writeString(dir.resolve("anthropic.key"), KEY);
        anthropic = new SimServer(vertx, SimOptions.of(0, "eu")).start().await(10, TimeUnit.SECONDS);
        anthropic.personality(new SimPersonality(ProviderKind.ANTHROPIC, () -> KEY, "2023-06-01"));
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", """
                        pools:
                          claude:
                            provider: anthropic
                            credential: { type: header, secretFile: "%s" }
                            upstreams: [ { url: "http://127.0.0.1:%d", region: eu } ]
                        """.formatted(dir.resolve("anthropic.key"), anthropic.port()))
                .replace("models:\n", """
                        models:
                          claude-sim: { pool: claude, upstreamName: claude-sonnet-sim, maxOutputTokens: 64, price: { inputPer1k: 3000, outputPer1k: 15000 } }
                          claude-echo: { pool: claude, upstreamName: echo }
                        """)
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]",
                        "models: [echo, gpt-sim, embed-sim, scorer, us-only, claude-sim, claude-echo]")
                + "\ntelemetry: { tracing: true, otlpEndpoint: \"" + collector.endpoint() + "\" }\n",
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        collector.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> chat(String body) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("acme")));
    }

    /** An Anthropic SDK's request: the Warden key in x-api-key, an anthropic-version of its own. */
    private static HttpResponse<String> messages(String body) {
        return Http.post(gw.dataUrl("/v1/messages"), body, "x-api-key", gw.key("acme"), "anthropic-version", "2023-06-01");
    }

    private static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("X-Request-ID").orElseThrow();
    }

    /** The data lines of an SSE body, with the event names before them (name or "", data). */
    private static List<String[]> events(String sse) {
        List<String[]> out = new ArrayList<>();
        String name = "";
        for (String line : sse.split("\n")) {
            if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                out.add(new String[] {name, line.substring(6)});
                name = "";
            }
        }
        return out;
    }

    @Test
    void anOpenAiChatIsAnsweredByAnAnthropicModel() throws Exception {
        HttpResponse<String> r = chat("{\"model\":\"claude-sim\",\"max_tokens\":12,\"temperature\":1.7,\"frequency_penalty\":0.5,"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello there friend\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("choices").get(0).path("message").path("content").asText()).endsWith(".");
        assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
        assertThat(body.path("usage").path("prompt_tokens").asInt()).as("3 words of the user, 2 of the system").isEqualTo(5);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
        assertThat(r.headers().firstValue("X-Warden-Dropped-Params")).hasValue("frequency_penalty");

        JsonNode sent = JSON.readTree(anthropic.lastBody());
        assertThat(sent.path("model").asText()).isEqualTo("claude-sonnet-sim");
        assertThat(sent.path("system").asText()).isEqualTo("be brief");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(12);
        assertThat(sent.path("temperature").asDouble()).as("Anthropic's range is 0..1").isEqualTo(1.0);
        assertThat(sent.path("messages").get(0).path("content").get(0).path("text").asText()).isEqualTo("hello there friend");
        assertThat(anthropic.lastHeaders().get("x-api-key")).isEqualTo(KEY);
        assertThat(anthropic.lastHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(anthropic.lastHeaders().get("Authorization")).isNull();

        UsageRecord row = gw.usageRow("acme", requestId(r));
        assertThat(row.model()).isEqualTo("claude-sim");
        assertThat(row.inputTokens()).isEqualTo(5);
        assertThat(row.outputTokens()).isEqualTo(12);
        assertThat(row.costMicros()).isEqualTo((5 * 3000 + 12 * 15000 + 999) / 1000);
    }

    @Test
    void anOpenAiStreamIsTranslatedEventByEventWithUsageWhenAsked() throws Exception {
        HttpResponse<String> r = chat("{\"model\":\"claude-sim\",\"max_tokens\":6,\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String[]> events = events(r.body());
        assertThat(events.get(events.size() - 1)[1]).isEqualTo("[DONE]");
        JsonNode first = JSON.readTree(events.get(0)[1]);
        assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String[] e : events.subList(0, events.size() - 1)) {
            assertThat(e[0]).as("OpenAI's chunks have no event names").isEmpty();
            JsonNode chunk = JSON.readTree(e[1]);
            JsonNode choice = chunk.path("choices").path(0);
            text.append(choice.path("delta").path("content").asText(""));
            if (choice.path("finish_reason").isTextual()) {
                finish = choice.path("finish_reason").asText();
            }
            if (chunk.has("usage")) {
                usage = chunk.get("usage");
            }
        }
        assertThat(text.toString().split(" ")).hasSize(6);
        assertThat(finish).isEqualTo("stop");
        assertThat(usage).isNotNull();
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(2);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(6);
        UsageRecord row = gw.usageRow("acme", requestId(r));
        assertThat(row.inputTokens()).isEqualTo(2);
        assertThat(row.outputTokens()).isEqualTo(6);

        HttpResponse<String> quiet = chat("{\"model\":\"claude-sim\",\"max_tokens\":3,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(quiet.body()).as("no usage chunk unless asked").doesNotContain("\"usage\"");
        assertThat(gw.usageRow("acme", requestId(quiet)).outputTokens()).as("but read all the same").isEqualTo(3);
    }

    @Test
    void theTraceNamesTheAnthropicCallTheModelThatAnsweredAndWhyItStopped() throws Exception {
        assertThat(chat("{\"model\":\"claude-sim\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .statusCode()).isEqualTo(200);
        assertThat(chat("{\"model\":\"claude-sim\",\"max_tokens\":4,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .statusCode()).isEqualTo(200);
        String text = collector.awaitText(t -> countOf(t, "chat claude-sim") >= 2);
        assertThat(countOf(text, "chat claude-sim")).as("a client span per call, whole and streamed").isGreaterThanOrEqualTo(2);
        assertThat(text).contains("gen_ai.provider.name", "anthropic", "gen_ai.response.model", "claude-sonnet-sim",
                "gen_ai.response.finish_reasons", "end_turn");
    }

    private static int countOf(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void toolCallsCrossTheTranslationPlainAndStreaming() throws Exception {
        HttpResponse<String> r = chat("{\"model\":\"claude-sim\",\"tool_choice\":\"required\"," + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"weather in Paris?\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = JSON.readTree(r.body()).path("choices").get(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.path("function").path("arguments").asText()).path("location").asText()).isEqualTo("Paris");
        JsonNode sent = JSON.readTree(anthropic.lastBody());
        assertThat(sent.path("tool_choice").path("type").asText()).isEqualTo("any");
        assertThat(sent.path("tools").get(0).path("input_schema").path("type").asText()).isEqualTo("object");

        // the tool's answer goes back as a tool_result block in a user turn
        HttpResponse<String> followUp = chat("{\"model\":\"claude-sim\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"location\\\":\\\"Paris\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"18C\"}]}");
        assertThat(followUp.statusCode()).as(followUp.body()).isEqualTo(200);
        JsonNode turns = JSON.readTree(anthropic.lastBody()).path("messages");
        assertThat(turns.get(1).path("content").get(0).path("type").asText()).isEqualTo("tool_use");
        assertThat(turns.get(2).path("content").get(0).path("type").asText()).isEqualTo("tool_result");
        assertThat(turns.get(2).path("content").get(0).path("tool_use_id").asText()).isEqualTo("toolu_1");

        HttpResponse<String> stream = chat("{\"model\":\"claude-sim\",\"stream\":true,\"tool_choice\":\"required\"," + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"weather in Paris?\"}]}");
        StringBuilder args = new StringBuilder();
        String name = null;
        for (String[] e : events(stream.body())) {
            if (e[1].equals("[DONE]")) {
                continue;
            }
            JsonNode calls = JSON.readTree(e[1]).path("choices").path(0).path("delta").path("tool_calls");
            for (JsonNode c : calls) {
                name = c.path("function").has("name") ? c.path("function").path("name").asText() : name;
                args.append(c.path("function").path("arguments").asText(""));
            }
        }
        assertThat(name).isEqualTo("get_weather");
        assertThat(JSON.readTree(args.toString()).path("location").asText()).isEqualTo("Paris");
    }

    @Test
    void whatAnAnthropicModelCannotDoIsRefusedBeforeAnythingIsSent() throws Exception {
        long before = anthropic.requestCount();
        HttpResponse<String> embed = Http.post(gw.dataUrl("/v1/embeddings"), "{\"model\":\"claude-sim\",\"input\":\"x\"}",
                "Authorization", bearer(gw.key("acme")));
        assertThat(embed.statusCode()).isEqualTo(400);
        JsonNode problem = JSON.readTree(embed.body());
        assertThat(problem.path("code").asText()).isEqualTo("operation_unsupported");
        assertThat(problem.path("error").path("code").asText()).as("and the OpenAI-style member").isEqualTo("operation_unsupported");
        HttpResponse<String> n = chat("{\"model\":\"claude-sim\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(n.statusCode()).isEqualTo(400);
        assertThat(anthropic.requestCount()).isEqualTo(before);
    }

    @Test
    void anAnthropicClientIsServedByAnAnthropicModelAsIs() throws Exception {
        HttpResponse<String> r = messages("{\"model\":\"claude-echo\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode message = JSON.readTree(r.body());
        assertThat(message.path("type").asText()).isEqualTo("message");
        JsonNode seen = JSON.readTree(message.path("content").get(0).path("text").asText());
        assertThat(seen.path("x-api-key").asText()).as("the platform's key, not the tenant's").isEqualTo(KEY);
        assertThat(r.body()).doesNotContain(gw.key("acme"));
        assertThat(gw.usageRow("acme", requestId(r)).inputTokens()).isEqualTo(1);

        HttpResponse<String> stream = messages("{\"model\":\"claude-sim\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me more\"}]}");
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
        List<String[]> events = events(stream.body());
        assertThat(events.get(0)[0]).isEqualTo("message_start");
        assertThat(events.get(events.size() - 1)[0]).isEqualTo("message_stop");
        assertThat(events.stream().map(e -> e[0])).contains("content_block_delta", "message_delta");
        UsageRecord row = gw.usageRow("acme", requestId(stream));
        assertThat(row.inputTokens()).isEqualTo(3);
        assertThat(row.outputTokens()).isEqualTo(5);
    }

    @Test
    void anAnthropicClientIsServedByAnOpenAiModelThroughTheTranslation() throws Exception {
        HttpResponse<String> r = messages("{\"model\":\"gpt-sim\",\"max_tokens\":7,\"system\":\"be brief\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello there\"}]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode message = JSON.readTree(r.body());
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("content").get(0).path("type").asText()).isEqualTo("text");
        assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(message.path("usage").path("output_tokens").asInt()).isEqualTo(7);
        JsonNode sent = JSON.readTree(gw.eu.lastAnsweredNanos() > gw.us.lastAnsweredNanos() ? gw.eu.lastBody() : gw.us.lastBody());
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(7);
        UsageRecord row = gw.usageRow("acme", requestId(r));
        assertThat(row.outputTokens()).isEqualTo(7);
        assertThat(row.inputTokens()).isEqualTo(message.path("usage").path("input_tokens").asLong());

        HttpResponse<String> stream = messages("{\"model\":\"gpt-sim\",\"max_tokens\":4,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}]}");
        List<String[]> events = events(stream.body());
        List<String> names = events.stream().map(e -> e[0]).toList();
        assertThat(names.get(0)).isEqualTo("message_start");
        assertThat(names).containsSubsequence("content_block_start", "content_block_delta", "content_block_stop", "message_delta",
                "message_stop");
        StringBuilder text = new StringBuilder();
        JsonNode delta = null;
        for (String[] e : events) {
            JsonNode d = JSON.readTree(e[1]);
            text.append(d.path("delta").path("text").asText(""));
            if (e[0].equals("message_delta")) {
                delta = d;
            }
        }
        assertThat(text.toString().split(" ")).hasSize(4);
        assertThat(delta.path("usage").path("output_tokens").asInt()).isEqualTo(4);
        assertThat(gw.usageRow("acme", requestId(stream)).outputTokens()).isEqualTo(4);

        HttpResponse<String> tools = messages("{\"model\":\"gpt-sim\",\"max_tokens\":20,\"tool_choice\":{\"type\":\"any\"},"
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}");
        JsonNode use = JSON.readTree(tools.body()).path("content").get(0);
        assertThat(use.path("type").asText()).isEqualTo("tool_use");
        assertThat(use.path("name").asText()).isEqualTo("get_weather");
        assertThat(use.path("input").path("location").asText()).isEqualTo("Paris");
        assertThat(JSON.readTree(tools.body()).path("stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void anAnthropicClientsRefusalsComeInAnthropicsShape() throws Exception {
        HttpResponse<String> denied = messages("{\"model\":\"not-a-model\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("X-Should-Retry")).hasValue("false");
        JsonNode error = JSON.readTree(denied.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("permission_error");
        assertThat(error.path("error").path("code").asText()).isEqualTo("model_not_allowed");

        HttpResponse<String> anonymous = Http.post(gw.dataUrl("/v1/messages"), "{\"model\":\"claude-sim\",\"max_tokens\":5,\"messages\":[]}",
                "x-api-key", "sk-ant-not-a-warden-key-000000000");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(anonymous.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
    }
}
