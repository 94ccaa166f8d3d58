package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings that come from outside warden.yaml: credentials' URLs from an environment variable or a
 * mounted file ({@code urlEnv}, {@code redisFile}, {@code otlpHeadersFile}...), and the OpenTelemetry
 * SDK's {@code OTEL_*} variables for what {@code telemetry:} leaves out.
 */
class EnvironmentSettingsTest {
    /** A valid config to add the settings under test to. */
    private static final String BASE = ConfigLoaderTest.BASE;

    @TempDir Path dir;

    private WardenConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse(BASE + yaml, dir, env::get);
    }

    private List<String> errors(String yaml, Map<String, String> env) {
        try {
            parse(yaml, env);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be refused");
    }

    @Test
    void storeAndRedisUrlsComeFromTheEnvironmentOrAFile() throws Exception {
        Files.writeString(dir.resolve("redis-url"), "redis://:from-file@10.0.0.9:6380\n");
        WardenConfig c = parse("""
                store: { urlEnv: WARDEN_STORE_URL }
                limiter: { store: redis, redisFile: redis-url }
                cache: { store: redis, redisEnv: CACHE_REDIS }
                """, Map.of("WARDEN_STORE_URL", "jdbc:postgresql://db:5432/warden?user=w&password=pw1", "CACHE_REDIS", "redis://:pw2@cache:6379"));
        assertThat(c.store().url()).isEqualTo("jdbc:postgresql://db:5432/warden?user=w&password=pw1");
        assertThat(c.limiter().redisUrl()).as("the file's trailing newline is not part of it").isEqualTo("redis://:from-file@10.0.0.9:6380");
        assertThat(c.cache().redisUrl()).isEqualTo("redis://:pw2@cache:6379");
        assertThat(c.store() + " " + c.limiter() + " " + c.cache()).doesNotContain("pw1", "from-file", "pw2");
    }

    @Test
    void oneWayOfWritingAValueAndItMustBeThere() {
        assertThat(errors("limiter: { store: redis, redis: \"redis://a:6379\", redisEnv: R }\n", Map.of("R", "redis://b:6379")))
                .containsExactly("limiter.redis: written more than once (expected one of redis, redisEnv and redisFile)");
        assertThat(errors("store: { urlEnv: NOT_SET }\n", Map.of()))
                .containsExactly("store.urlEnv: 'NOT_SET' is not set in Warden's environment");
        assertThat(errors("store: { urlEnv: \"lower-case\" }\n", Map.of()))
                .containsExactly("store.urlEnv: 'lower-case' (expected: an environment variable name, [A-Z_][A-Z0-9_]*)");
        assertThat(errors("store: { urlFile: missing }\n", Map.of()))
                .containsExactly("store.urlFile: 'missing' is not a readable, non-empty file (relative to the config file)");
    }

    @Test
    void aValueFromTheEnvironmentIsCheckedLikeAWrittenOneWithoutEchoingIt() {
        assertThat(errors("limiter: { store: redis, redisEnv: R }\n", Map.of("R", "http://user:secret@host")))
                .containsExactly("limiter.redis: (expected: redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)")
                .noneMatch(e -> e.contains("secret"));
    }

    @Test
    void otlpHeadersFromAFileAreParsedAndNeverPrinted() throws Exception {
        Files.writeString(dir.resolve("otlp"), "Authorization=Bearer%20abc+def==,x-tenant=ops\n");
        TelemetrySettings t = parse("telemetry: { tracing: true, otlpHeadersFile: otlp }\n", Map.of()).telemetry();
        assertThat(t.otlpHeaders()).containsExactlyInAnyOrderEntriesOf(Map.of("Authorization", "Bearer abc+def==", "x-tenant", "ops"));
        assertThat(t.toString()).contains("Authorization").doesNotContain("abc");
        assertThat(errors("telemetry: { otlpHeaders: \"novalue\" }\n", Map.of()))
                .containsExactly("telemetry.otlpHeaders: an entry is not key=value (expected: key1=value1,key2=value2)");
    }

    @Test
    void theOtelVariablesFillWhatTelemetryLeavesOut() throws Exception {
        TelemetrySettings t = parse("", Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key=k1",
                "OTEL_SERVICE_NAME", "warden-eu",
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.namespace=ai",
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25")).telemetry();
        assertThat(t.tracing()).as("an OTLP endpoint in the environment turns export on").isTrue();
        assertThat(t.otlpEndpoint()).isEqualTo("http://collector:4318/v1/traces");
        assertThat(t.otlpHeaders()).containsEntry("api-key", "k1");
        assertThat(t.serviceName()).isEqualTo("warden-eu");
        assertThat(t.resourceAttributes()).containsEntry("deployment.environment", "prod").containsEntry("service.namespace", "ai");
        assertThat(t.sampleRatio()).isEqualTo(0.25);

        TelemetrySettings traces = parse("", Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://c:4318/custom",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")).telemetry();
        assertThat(traces.otlpEndpoint()).as("the signal's own URL is used as it is").isEqualTo("https://c:4318/custom");
        assertThat(traces.serviceName()).isEqualTo("from-resource");
    }

    @Test
    void wardenYamlWinsAndTheSdkCanBeSwitchedOff() throws Exception {
        Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", "OTEL_SERVICE_NAME", "env-name",
                "OTEL_TRACES_SAMPLER", "always_off");
        TelemetrySettings written = parse("""
                telemetry: { tracing: false, otlpEndpoint: "http://mine:4318/v1/traces", serviceName: mine, sampleRatioPercent: 50 }
                """, env).telemetry();
        assertThat(written.tracing()).isFalse();
        assertThat(written.otlpEndpoint()).isEqualTo("http://mine:4318/v1/traces");
        assertThat(written.serviceName()).isEqualTo("mine");
        assertThat(written.sampleRatio()).isEqualTo(0.5);

        assertThat(parse("", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true")).telemetry().tracing())
                .isFalse();
        assertThat(parse("", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none")).telemetry().tracing())
                .isFalse();
        assertThat(parse("", Map.of()).telemetry()).isEqualTo(TelemetrySettings.DEFAULTS);
    }

    @Test
    void malformedOtelVariablesAreNamedNotEchoed() {
        assertThat(errors("", Map.of("OTEL_TRACES_EXPORTER", "zipkin"))).containsExactly(
                "env OTEL_TRACES_EXPORTER: 'zipkin' (Warden exports over OTLP/HTTP: expected otlp or none)");
        assertThat(errors("", Map.of("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "2")))
                .containsExactly("env OTEL_TRACES_SAMPLER_ARG: '2' (expected: a ratio 0..1)");
        assertThat(errors("", Map.of("OTEL_RESOURCE_ATTRIBUTES", "broken"))).as("one error, though two settings read it")
                .containsExactly("env OTEL_RESOURCE_ATTRIBUTES: an entry is not key=value (expected: key1=value1,key2=value2)");
        assertThat(errors("", Map.of("OTEL_EXPORTER_OTLP_HEADERS", "secret-without-equals")))
                .containsExactly("env OTEL_EXPORTER_OTLP_HEADERS: an entry is not key=value (expected: key1=value1,key2=value2)");
        assertThatThrownBy(() -> parse("", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("telemetry.otlpEndpoint");
    }

    @Test
    void alertWebhooksThatCarryACredentialComeFromAFileOrTheEnvironmentAndAreNeverPrinted() throws Exception {
        Files.writeString(dir.resolve("hooks"), "https://hooks.chat.example/services/T0/B0/s3cretpath\nhttps://pager.example/h\n");
        AlertSettings a = parse("alerts: { webhooksFile: hooks }\n", Map.of()).alerts();
        assertThat(a.webhooks()).containsExactly("https://hooks.chat.example/services/T0/B0/s3cretpath", "https://pager.example/h");
        assertThat(a.toString()).contains("hooks.chat.example", "pager.example").doesNotContain("s3cretpath");
        assertThat(parse("alerts: { webhooksEnv: HOOKS }\n", Map.of("HOOKS", "https://a.example/x, https://b.example/y")).alerts()
                .webhooks()).containsExactly("https://a.example/x", "https://b.example/y");
        assertThat(errors("alerts: { webhooksEnv: HOOKS }\n", Map.of("HOOKS", "http://10.0.0.1/s3cret")))
                .containsExactly("alerts.webhooks[0]: (expected: an https URL, or http to a loopback host; the value is not shown)")
                .noneMatch(e -> e.contains("s3cret"));
        assertThat(errors("alerts: { webhooks: [\"https://a.example\"], webhooksEnv: HOOKS }\n", Map.of("HOOKS", "https://b.example")))
                .containsExactly("alerts.webhooks: written more than once (expected one of webhooks, webhooksEnv and webhooksFile)");
    }
}
