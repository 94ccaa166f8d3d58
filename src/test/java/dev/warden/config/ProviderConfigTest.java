package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pools' providers and credentials in warden.yaml: one fixture per rule, with the exact message asserted. */
class ProviderConfigTest {
    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-from-env");
    private static Path dir;

    @BeforeAll
    static void files() throws Exception {
        dir = Files.createTempDirectory("warden-provider-config");
        Files.writeString(dir.resolve("key"), "secret-value\n");
        Files.writeString(dir.resolve("empty"), "  \n");
    }

    private static String yaml(String pool, String model) {
        return """
                pools:
                  p:
                %s
                models:
                  m1: { pool: p%s }
                tiers:
                  basic: {}
                tenants:
                  acme: { tier: basic, regions: [eu], models: [m1] }
                """.formatted(pool.indent(4).stripTrailing(), model);
    }

    private static WardenConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, dir, ENV::get);
    }

    private static List<String> errors(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be refused");
    }

    @Test
    void eachProviderReadsWithItsDefaults() throws Exception {
        WardenConfig azure = parse(yaml("""
                provider: azure-openai
                apiVersion: "2024-10-21"
                credential: { type: header, secretFile: key }
                upstreams: [ { url: "https://res.openai.azure.com", region: eu } ]""", ", upstreamName: gpt-4o"));
        UpstreamConfig u = azure.pools().get("p").upstreams().get(0);
        assertThat(u.provider()).isEqualTo(ProviderKind.AZURE_OPENAI);
        assertThat(u.credential().header()).as("Azure's header unless named").isEqualTo("api-key");
        assertThat(u.credential().secret()).isEqualTo(SecretRef.file(dir.resolve("key").toAbsolutePath().normalize()));
        assertThat(u.path("/v1/chat/completions", "gpt-4o")).isEqualTo("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
        assertThat(u.credential().toString()).doesNotContain("secret-value");

        WardenConfig anthropic = parse(yaml("""
                provider: anthropic
                credential: { type: header, secretEnv: OPENAI_API_KEY }
                upstreams: [ { url: "https://api.anthropic.com", region: eu } ]""", ""));
        UpstreamConfig a = anthropic.pools().get("p").upstreams().get(0);
        assertThat(a.credential().header()).isEqualTo("x-api-key");
        assertThat(a.apiVersion()).as("the Messages API version unless set").isEqualTo("2023-06-01");
        assertThat(a.path("/v1/chat/completions", "claude")).isEqualTo("/v1/messages");

        WardenConfig mixed = parse(yaml("""
                credential: { type: bearer, secretEnv: OPENAI_API_KEY }
                upstreams:
                  - { url: "https://api.openai.com", region: eu }
                  - { url: "http://127.0.0.1:9001", region: eu, credential: { type: header, header: X-Key, secretFile: key } }""",
                ", maxTokensField: max_completion_tokens"));
        List<UpstreamConfig> ups = mixed.pools().get("p").upstreams();
        assertThat(ups.get(0).credential()).isEqualTo(UpstreamCredential.bearer(SecretRef.env("OPENAI_API_KEY")));
        assertThat(ups.get(1).credential().header()).as("an upstream's own credential wins").isEqualTo("X-Key");
        assertThat(mixed.models().get("m1").maxTokensField()).isEqualTo("max_completion_tokens");

        WardenConfig tokens = parse(yaml("""
                credential: { type: service-token, perRequest: true }
                upstreams: [ { url: "http://127.0.0.1:9001", region: eu } ]""", ""));
        assertThat(tokens.pools().get("p").serviceTokens()).isTrue();
        assertThat(tokens.pools().get("p").perRequestTokens()).isTrue();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "provider: bedrock\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.provider: 'bedrock' (expected one of: anthropic, azure-openai, openai)",
            "apiVersion: v1\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.apiVersion: only for azure-openai and anthropic pools",
            "provider: azure-openai\\ncredential: { type: header, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.apiVersion: required for azure-openai pools (expected: the api-version to call, e.g. 2024-10-21)",
            "provider: azure-openai\\napiVersion: '2024-10-21'\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.upstreams[0]: no credential (expected: a credential on the pool or this upstream: azure-openai servers take the platform's key)",
            "credential: { type: bearer, secretEnv: OPENAI_API_KEY, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential: exactly one of secretEnv and secretFile is expected (the secret is never written in warden.yaml)",
            "credential: { type: bearer, secret: sk-inline }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.secret: unknown field (expected one of: header, perRequest, secretEnv, secretFile, type)",
            "credential: { type: bearer, secretEnv: ANTHROPIC_API_KEY }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.secretEnv: 'ANTHROPIC_API_KEY' is not set in Warden's environment",
            "credential: { type: bearer, secretEnv: openai-key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.secretEnv: 'openai-key' (expected: an environment variable name, [A-Z_][A-Z0-9_]*)",
            "credential: { type: bearer, secretFile: nope }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.secretFile: 'nope' is not a file holding a secret (expected: a readable, non-empty file, relative to the config file)",
            "credential: { type: bearer, secretFile: empty }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.secretFile: 'empty' is not a file holding a secret (expected: a readable, non-empty file, relative to the config file)",
            "credential: { type: header, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.header: missing (expected: the header's name, e.g. api-key or x-api-key)",
            "credential: { type: header, header: Host, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.header: 'Host' (expected: a header name the gateway does not set itself; use type: bearer for Authorization)",
            "credential: { type: basic, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.type: 'basic' (expected one of: bearer, header, service-token)",
            "provider: anthropic\\ncredential: { type: service-token }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential.type: service-token (expected: bearer or header: anthropic servers do not verify Warden's tokens)",
            "serviceTokens: true\\ncredential: { type: service-token }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.serviceTokens: set twice (expected: either serviceTokens or credential.type: service-token)",
            "serviceTokens: true\\ncredential: { type: bearer, secretFile: key }\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.credential: a bearer credential beside service tokens (expected: one Authorization header; put the platform's key in another header)",
            "upstreams: [ { url: 'http://h:1', region: eu, credential: { type: service-token } } ]|pools.p.upstreams[0].credential.type: service-token (expected: bearer or header; service tokens are a pool's, for all its upstreams)",
            "provider: anthropic\\ncredential: { type: header, secretFile: key }\\njobsPath: /v1/jobs\\nupstreams: [ { url: 'http://h:1', region: eu } ]|pools.p.jobsPath: not offered by anthropic servers (expected: only on openai pools)",
    })
    void eachRuleHasItsMessage(String pool, String message) {
        assertThat(errors(yaml(pool.replace("\\n", "\n").replace('\'', '"'), ""))).contains(message);
    }

    @Test
    void anAzureDeploymentNameMustBeAPathSegment() {
        String azure = "provider: azure-openai\napiVersion: '2024-10-21'\ncredential: { type: header, secretFile: key }\n"
                + "upstreams: [ { url: 'http://h:1', region: eu } ]";
        assertThat(errors(yaml(azure.replace('\'', '"'), ", upstreamName: org/model")))
                .contains("models.m1.upstreamName: 'org/model' (expected: the Azure deployment's name, 1..64 of [A-Za-z0-9._-])");
        assertThat(errors(yaml("upstreams: [ { url: \"http://h:1\", region: eu } ]", ", maxTokensField: max_output_tokens")))
                .contains("models.m1.maxTokensField: 'max_output_tokens' (expected one of: max_completion_tokens, max_tokens)");
    }
}
