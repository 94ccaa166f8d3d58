package dev.warden.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.body.JsonBodiesTarget;
import dev.warden.config.ConfigException;
import dev.warden.config.ConfigLoader;
import dev.warden.config.ConfigReader;
import dev.warden.config.TenantSettings;
import dev.warden.egress.Egress;
import dev.warden.http.DecoderTarget;
import dev.warden.http.RoutesTarget;
import dev.warden.provider.StreamTranslator;
import dev.warden.provider.anthropic.Answers;
import dev.warden.provider.anthropic.ChatStreamToMessages;
import dev.warden.provider.anthropic.MessagesStreamToChat;
import dev.warden.provider.anthropic.ChatToMessages;
import dev.warden.provider.anthropic.MessagesToChat;
import dev.warden.proxy.SseTarget;
import dev.warden.token.ClaimTypes;
import dev.warden.token.StrictJson;

/**
 * Every parser of hostile input, one fuzz target (Jazzer runs one per process; the last byte of an
 * input picks the parser): the route and tenant-path parser, the token envelope and its claims'
 * types, the upstream event-stream parser, the request body's reading, and the tenant-settings
 * validators. Each never throws (a refusal is an answer, an exception is a bug) and keeps its own
 * promises (see each target). A plain test run replays the seed corpus and every input that once
 * failed ({@code src/test/resources/dev/warden/fuzz/ParsersFuzzTestInputs/}); the {@code fuzz}
 * execution of {@code ./warden test} fuzzes for 15 s, and
 * {@code bench/fuzz.sh} for as long as it is told. An input that fails is saved there as a crash
 * file: commit it, it is then a regression test.
 */
class ParsersFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where a fuzzed config's relative paths lead: an empty directory. */
    private static final java.nio.file.Path EMPTY_DIR = emptyDir();
    private static final String[] SETTINGS = {"auth", "budgets", "overrides", "logging", "guardrails", "fields"};

    private static java.nio.file.Path emptyDir() {
        try {
            return java.nio.file.Files.createTempDirectory("warden-fuzz");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void everyParserAnswersAnyInputWithoutThrowing(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 8)) {
            case 0 -> RoutesTarget.fuzz(data);
            case 1 -> token(data);
            case 2 -> SseTarget.fuzz(data);
            case 3 -> JsonBodiesTarget.fuzz(data);
            case 4 -> settings(data);
            case 5 -> DecoderTarget.fuzz(data);
            case 6 -> config(data);
            case 7 -> translations(data);
            default -> streamTranslations(data);
        }
    }

    private static final String[] STREAM_EVENTS = {null, "message_start", "content_block_start", "content_block_delta",
        "content_block_stop", "message_delta", "message_stop", "ping", "error", "message"};

    /**
     * The streaming translations both ways over a fuzzed sequence of events: never thrown, and every
     * event they emit is one line ({@code data:} with a CR or LF in it would split into events the
     * upstream never sent).
     */
    private static void streamTranslations(FuzzedDataProvider data) {
        StreamTranslator t = data.consumeBoolean() ? new MessagesStreamToChat(data.consumeBoolean()) : new ChatStreamToMessages("gpt-sim");
        StreamTranslator.Events out = (name, event) -> {
            assertThat(event).as("one line").doesNotContain("\n").doesNotContain("\r");
            if (name != null) {
                assertThat(name).doesNotContain("\n").doesNotContain("\r");
            }
        };
        int events = data.consumeInt(0, 12);
        for (int i = 0; i < events && data.remainingBytes() > 0; i++) {
            String name = STREAM_EVENTS[data.consumeInt(0, STREAM_EVENTS.length - 1)];
            if (t.onEvent(name, data.consumeString(512), out) != StreamTranslator.Step.OK) {
                return; // the relay ends the stream here
            }
        }
        t.onEnd(out);
    }

    /** A whole warden.yaml: a config, or a ConfigException listing its errors; nothing else. */
    private static void config(FuzzedDataProvider data) {
        String yaml = data.consumeRemainingAsString();
        try {
            assertThat(ConfigLoader.parse(yaml, EMPTY_DIR, name -> null)).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.errors()).as("a refusal names its errors").isNotEmpty();
        }
    }

    /** The Anthropic translations, both ways: a request translated or refused, an answer translated or null; never thrown. */
    private static void translations(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 3);
        JsonNode json;
        try {
            json = JSON.readTree(data.consumeRemainingAsString());
        } catch (Exception e) {
            return;
        }
        if (json == null) {
            return;
        }
        switch (which) {
            case 0 -> assertThat(ChatToMessages.translate(json, "claude-sim", 100, "user-1")).isNotNull();
            case 1 -> assertThat(MessagesToChat.translate(json)).isNotNull();
            case 2 -> Answers.messageToChat(json); // null: not a message, answered by the relay as a bad gateway
            default -> Answers.chatToMessage(json);
        }
    }

    /** A compact token's envelope read strictly, and its claims' types: null or a claim's name, never an exception. */
    private static void token(FuzzedDataProvider data) {
        String token = data.consumeRemainingAsAsciiString();
        JsonNode claims = StrictJson.claimsOf(token);
        if (claims != null) {
            assertThat(claims.isObject()).isTrue();
            String mistyped = ClaimTypes.mistyped(claims, ClaimTypes.mapped("sub", "roles", "tenant"));
            assertThat(mistyped == null || claims.has(mistyped)).as(token).isTrue();
        }
    }

    /** A tenant's settings of any kind through the admin API's validator: normalised, or errors, never an exception. */
    private static void settings(FuzzedDataProvider data) {
        String kind = SETTINGS[data.consumeInt(0, SETTINGS.length - 1)];
        JsonNode body;
        try {
            body = JSON.readTree(data.consumeRemainingAsString());
        } catch (Exception e) {
            return; // not JSON: the admin API answers 400 before any validator
        }
        if (body == null || !body.isObject()) {
            return;
        }
        ConfigReader check = ConfigReader.forJsonBody();
        JsonNode normalised = TenantSettings.validate(kind, body, check, Egress.CLOSED);
        if (check.ok()) {
            assertThat(normalised).isNotNull();
            ConfigReader again = new ConfigReader(); // what was accepted and stored reads back as accepted
            TenantSettings.validate(kind, normalised, again, Egress.CLOSED);
            assertThat(again.errors()).as("%s %s -> %s", kind, body, normalised).isEmpty();
        }
    }
}
