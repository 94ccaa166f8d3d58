package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.egress.Egress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tenant's settings: read by the same strict reader as warden.yaml, on the way in (admin API) and on the way back (snapshot). */
class TenantSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JWT = """
            {"schemes": ["api-key", "jwt"],
             "jwt": {"issuer": "https://idp.acme.test", "audiences": ["warden"], "jwksUrl": "https://idp.acme.test/jwks",
                     "algorithms": ["%s"]}}""";

    private static List<String> settingsErrors(String kind, String json) throws Exception {
        ConfigReader check = new ConfigReader();
        TenantSettings.validate(kind, JSON.readTree(json), check, Egress.CLOSED);
        return check.errors();
    }

    private static List<String> fileErrors(String yaml) {
        try {
            ConfigLoader.parse(yaml, Path.of("."));
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be refused");
    }

    @Test
    void theFileAndTheAdminApiSpeakOneLanguage() throws Exception {
        assertThat(fileErrors("egress: { allowLoopback: yes-please }\npools: {}\nmodels: {}\ntiers: {}\n"))
                .contains("egress.allowLoopback: yes-please (expected: true or false)");
        assertThat(settingsErrors("logging", "{\"payloads\": \"yes-please\"}"))
                .containsExactly("logging.payloads: yes-please (expected: true or false)");
        assertThat(settingsErrors("logging", "{\"payload\": true}"))
                .containsExactly("payload: unknown field (expected one of: payloads, retentionDays)");
        assertThat(settingsErrors("budgets", "{\"budgets\": [{\"period\": \"day\", \"limitMicros\": 0}]}"))
                .containsExactly("budgets[0].limitMicros: 0 (expected: 1..1000000000000000)");
    }

    @Test
    void aStoredAuthDocumentIsNormalisedOnTheWayIn() throws Exception {
        ConfigReader check = new ConfigReader();
        ObjectNode stored = TenantSettings.validate("auth", JSON.readTree(JWT.formatted("ES256")), check, Egress.CLOSED);
        assertThat(check.errors()).isEmpty();
        JsonNode jwt = stored.path("jwt");
        assertThat(jwt.path("requiredTyp").asText()).isEqualTo("at+jwt");
        assertThat(jwt.path("clockSkewSeconds").asInt()).isEqualTo(30);
        assertThat(jwt.path("claims").path("subject").asText()).isEqualTo("sub");
    }

    @Test
    void aStoredAuthDocumentIsCheckedAgainWhenReadAndABadOneFailsClosed() throws Exception {
        ConfigReader check = new ConfigReader();
        String normalised = TenantSettings.validate("auth", JSON.readTree(JWT.formatted("ES256")), check, Egress.CLOSED).toString();
        TenantAuth good = TenantAuthReader.read(normalised);
        assertThat(good.accepts("jwt")).isTrue();
        assertThat(good.jwt().algorithms()).containsExactly("ES256");
        assertThat(good.jwt().issuer()).isEqualTo("https://idp.acme.test");

        // written behind the admin API's back, or by a version that allowed it: a symmetric algorithm
        TenantAuth tampered = TenantAuthReader.read(normalised.replace("ES256", "HS256"));
        assertThat(tampered).isEqualTo(TenantAuth.API_KEYS_ONLY);
        assertThat(TenantAuthReader.read("{\"schemes\": [\"jwt\"]}")).isEqualTo(TenantAuth.API_KEYS_ONLY);
        assertThat(TenantAuthReader.read("not json")).isEqualTo(TenantAuth.API_KEYS_ONLY);
    }
}
