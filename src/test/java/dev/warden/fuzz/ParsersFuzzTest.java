package dev.warden.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.body.JsonBodiesTarget;
import dev.warden.config.ConfigReader;
import dev.warden.config.TenantSettings;
import dev.warden.egress.Egress;
import dev.warden.http.RoutesTarget;
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
    private static final String[] SETTINGS = {"auth", "budgets", "overrides", "logging", "guardrails", "fields"};

    @FuzzTest(maxDuration = "15s")
    void everyParserAnswersAnyInputWithoutThrowing(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 4)) {
            case 0 -> RoutesTarget.fuzz(data);
            case 1 -> token(data);
            case 2 -> SseTarget.fuzz(data);
            case 3 -> JsonBodiesTarget.fuzz(data);
            default -> settings(data);
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
