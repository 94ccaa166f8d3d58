package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.crypto.ApiKeyFormat;
import dev.warden.egress.Egress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** warden.yaml validation: one fixture per rule, with the exact message asserted. */
class ConfigLoaderTest {
    static final String BASE = """
            pools:
              main:
                upstreams:
                  - { url: "http://127.0.0.1:9001", region: eu }
            models:
              m1: { pool: main }
            tiers:
              basic: { description: "b" }
            tenants:
              acme: { tier: basic, regions: [eu], models: [m1] }
            """;

    private static WardenConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, Path.of("."));
    }

    private static List<String> errors(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be refused");
    }

    /** The demo config as the demo runs it: its providers' key files (generated at each start) in place. */
    private static WardenConfig demoWithItsKeys() throws Exception {
        Path dir = Files.createTempDirectory("warden-demo-config");
        Path config = dir.resolve("demo.yaml");
        Files.writeString(config, Files.readString(Path.of("examples/demo.yaml")).replace("../data/", "data/"));
        Files.createDirectories(dir.resolve("data/demo-secrets"));
        for (String provider : new String[] {"openai", "azure", "anthropic"}) {
            Files.writeString(dir.resolve("data/demo-secrets/" + provider + ".key"), "demo-key-" + provider);
        }
        return ConfigLoader.load(config);
    }

    @Test
    void theShippedExamplesAreValid() throws Exception {
        WardenConfig demo = demoWithItsKeys();
        assertThat(demo.pools().get("anthropic").provider()).isEqualTo(ProviderKind.ANTHROPIC);
        assertThat(demo.pools().get("azure-eu").upstreams().get(0).credential().present()).isTrue();
        assertThat(demo.tenants()).containsKeys("acme", "globex", "initech");
        assertThat(demo.tenants().get("initech").regions()).containsExactly("eu");
        WardenConfig full = ConfigLoader.load(Path.of("examples/warden.yaml"));
        assertThat(full.models().get("gpt-sim").price()).isEqualTo(new Price(500, 1500));
        assertThat(full.jobs()).isEqualTo(new JobSettings(null, 300, 60_000, 50));
        assertThat(full.pools().get("gpu-a100").jobsPath()).isEqualTo("/v1/jobs");
        assertThat(full.pools().get("gpu-eu-only").runsJobs()).isFalse();
        assertThat(full.tiers().get("starter").maxStreamSeconds()).isEqualTo(300);
        assertThat(full.tiers().get("enterprise").maxStreamSeconds()).isEqualTo(TierConfig.DEFAULT_MAX_STREAM_SECONDS);
    }

    @Test
    void defaultsApply() throws Exception {
        WardenConfig c = parse(BASE);
        assertThat(c.dataListener()).isEqualTo(new ListenerConfig("127.0.0.1", 8080));
        assertThat(c.adminListener()).isEqualTo(new ListenerConfig("127.0.0.1", 9090));
        assertThat(c.limits()).isEqualTo(Limits.DEFAULTS);
        assertThat(c.models().get("m1").predict()).as("no predict route unless the model prices it").isNull();
        assertThat(c.models().get("m1").computeWeight()).isEqualTo(1);
        assertThat(c.tenants().get("acme").keys()).isEmpty();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "tenants:\\n  acme: { tier: gold, regions: [eu], models: [m1] }|tenants.acme.tier: unknown tier 'gold' (expected one of: basic)",
            "tenants:\\n  acme: { tier: basic, regions: [mars], models: [m1] }|tenants.acme.regions: unknown region 'mars' (no upstream runs there; known: eu)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m9] }|tenants.acme.models: unknown model 'm9'",
            "tenants:\\n  acme: { tier: basic, regions: [], models: [m1] }|tenants.acme.regions: empty (expected: [\"*\"] or at least one region)",
            "tenants:\\n  acme: { tier: basic, regions: ['*', eu], models: [m1] }|tenants.acme.regions: '*' must stand alone",
            "tenants:\\n  Acme: { tier: basic, regions: [eu], models: [m1] }|tenants.Acme: invalid tenant id (expected: 1..63 of [a-z0-9-], starting and ending alphanumeric)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], status: paused }|tenants.acme.status: 'paused' (expected: active or suspended)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], colour: red }|tenants.acme.colour: unknown field (expected one of: fallbacks, keys, models, regions, status, tier)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ id: k1 }] }|tenants.acme.keys[0]: exactly one of 'hash' or 'key' is required",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ id: abcd, hash: 'sha1:00' }] }|tenants.acme.keys[0].hash: not a key hash (expected: hmac-sha256:<64 hex digits>, from ./warden keys new or keys import)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ key: 'sk-123' }] }|tenants.acme.keys[0].key: not a Warden API key (expected: wdn_<id>_<43 base64url characters>; a key issued elsewhere needs 'imported: true' and an 'id')",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ key: 'sk-123', imported: true, id: old1 }] }|tenants.acme.keys[0].key: 6 characters (expected: 16 to 256)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ key: 'sk-legacy key 0001', imported: true, id: old1 }] }|tenants.acme.keys[0].key: only visible ASCII characters, no spaces, may appear in an imported key",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ key: 'sk-legacy-key-0001', imported: true }] }|tenants.acme.keys[0].id: missing (an imported key carries no id: name it)",
            "tenants:\\n  acme: { tier: basic, regions: [eu], models: [m1], keys: [{ key: 'eyJhbGciOi.eyJzdWIiOi.c2ln', imported: true, id: old1 }] }|tenants.acme.keys[0].key: shaped like a JWT: it would be read as a token of the tenant's identity provider",
            "limits: { maxBodyBytes: 5 }|limits.maxBodyBytes: 5 (expected: 1024..268435456)",
            "timeouts: { connectMs: 'soon' }|timeouts.connectMs: soon (expected: an integer)",
            "listeners: { data: { port: 9090 } }|listeners.admin.port: 9090 (expected: not the data port; the admin plane never shares it)",
            "listeners: { admin: { port: 9091, tls: { certFile: 'warden.yaml', keyFile: 'warden.yaml', clientAuth: require } } }|listeners.admin.tls.clientAuth: not on the admin listener (expected: none; admin principals sign in with a token or key)",
            "listeners: { data: { port: 8080, http2: { enabled: true } } }|listeners.data.http2: enabled without TLS (expected: tls on this listener for ALPN, or cleartext: true for h2c)",
            "listeners: { admin: { port: 9091, http2: { enabled: true, cleartext: true } } }|listeners.admin.http2: not on the admin listener (expected: the data listener only)",
            "listeners: { data: { port: 8080, http2: { enabled: true, cleartext: true, maxConcurrentStreams: 0 } } }|listeners.data.http2.maxConcurrentStreams: 0 (expected: 1..10000)",
            "stages: { identify: { enforced: false } }|stages.identify: no switches for this stage (expected: authorize; identity, routing and forwarding are always on)",
            "jobs: { tokenLifetimeSeconds: 10, renewEveryMs: 9500 }|jobs.renewEveryMs: 9500 (expected: at most (tokenLifetimeSeconds - 1) * 1000 = 9000, so a worker renews before its token expires)",
            "exchange: { clients: { svc: { from: [main], to: [main] } } }|exchange.clients.svc: a credential is required (expected: secretHash, certificate, or both)",
            "exchange: { clients: { svc: { certificate: { caFile: no-such.pem, subject: x }, from: [main], to: [main] } } }|exchange.clients.svc.certificate.caFile: 'no-such.pem' cannot be read (expected: a PEM file, relative to the config file)",
            "egress: { allowLoopback: yes-please }|egress.allowLoopback: yes-please (expected: true or false)",
            "egress: { allowPublic: true }|egress.allowPublic: unknown field (expected one of: allowLoopback, allowPrivate)",
            "alerts: { webhooks: ['https://169.254.169.254/hook'] }|alerts.webhooks[0]: 'https://169.254.169.254/hook' (expected: an https URL, or http to a loopback host)",
            "jobs: { renewalUrl: 'http://example.com' }|jobs.renewalUrl: 'http://example.com' (expected: an https URL, or http to a loopback host)",
            "exchange: { clients: { svc: { secretHash: 'hmac-sha256:abababababababababababababababababababababababababababababababab', from: [nope], to: [main] } } }|exchange.clients.svc.from: unknown pool 'nope' (expected one of: main)",
    })
    void eachRuleHasItsMessage(String extra, String message) {
        String yaml = BASE.replaceAll("(?s)tenants:.*", "") + extra.replace("\\n", "\n");
        if (!yaml.contains("tenants:")) {
            yaml = BASE + extra.replace("\\n", "\n");
        }
        assertThat(errors(yaml)).contains(message);
    }

    @Test
    void egressIsClosedByDefaultAndNeverOpensTheGatewaysOwnPorts() throws Exception {
        Egress closed = parse(BASE).egress();
        assertThat(closed.allowLoopback()).isFalse();
        assertThat(closed.allowPrivate()).isFalse();
        assertThat(closed.ownPorts()).containsExactlyInAnyOrder(8080, 9090);
        Egress open = parse(BASE + "egress: { allowLoopback: true, allowPrivate: true }\n").egress();
        assertThat(open.allowLoopback()).isTrue();
        assertThat(open.allowPrivate()).isTrue();
        assertThat(open.allows("http://127.0.0.1:9090/admin/v1/tenants")).isFalse();
        assertThat(open.allows("http://127.0.0.1:9443/jwks")).isTrue();
        // webhooks are the operator's own: loopback and internal addresses stay allowed under the default
        assertThat(parse(BASE + "alerts: { webhooks: ['http://127.0.0.1:9000/hook', 'https://10.0.0.5/hook'] }\n").alerts().webhooks()).hasSize(2);
    }

    @Test
    void aPoolsJobServiceIsAnAbsolutePath() {
        String yaml = BASE.replace("  main:\n    upstreams:", "  main:\n    jobsPath: v1/jobs\n    jobCapacity: { gpus: 1, pricePerGpuHour: 0 }\n    upstreams:");
        assertThat(errors(yaml)).contains("pools.main.jobsPath: 'v1/jobs' (expected: an absolute path of [A-Za-z0-9._~/-], e.g. /v1/jobs)");
        assertThat(errors(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", maxStreamSeconds: 0 }")))
                .anyMatch(e -> e.startsWith("tiers.basic.maxStreamSeconds: 0"));
        assertThat(errors(BASE.replace("basic: { description: \"b\" }",
                "basic: { description: \"b\", limits: { perModel: { m9: { requestsPerMinute: 5 } }, perUser: { rpm: 1 } } }")))
                .contains("tiers.basic.limits.perModel.m9: unknown model 'm9'")
                .anyMatch(e -> e.startsWith("tiers.basic.limits.perUser.rpm: unknown field"));
    }

    @Test
    void aPoolThatRunsJobsDeclaresWhatItLendsThemAndTiersBoundTheirGpuTime() throws Exception {
        WardenConfig c = parse(BASE.replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n"
                + "    jobCapacity: { gpus: 8, pricePerGpuHour: 2000000, maxHoursPerJob: 1.5 }\n    upstreams:")
                .replace("basic: { description: \"b\" }", "basic: { description: \"b\", jobs: { maxGpus: 2, gpuHoursPerDay: 0.5 } }"));
        assertThat(c.pools().get("main").jobCapacity()).isEqualTo(new JobCapacity(8, 2_000_000, 5_400_000));
        assertThat(c.pools().get("main").jobCapacity().costMicros(1)).as("rounded up, never undercharged").isEqualTo(1);
        assertThat(c.pools().get("main").jobCapacity().costMicros(3_600_000)).isEqualTo(2_000_000);
        assertThat(c.tiers().get("basic").jobs()).isEqualTo(new JobLimits(2, 1_800_000, 0));
        assertThat(parse(BASE).tiers().get("basic").jobs()).isEqualTo(JobLimits.NONE);

        assertThat(errors(BASE.replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n    upstreams:")))
                .anyMatch(e -> e.startsWith("pools.main.jobCapacity: missing"));
        assertThat(errors(BASE.replace("  main:\n    upstreams:", "  main:\n    jobCapacity: { gpus: 1, pricePerGpuHour: 0 }\n    upstreams:")))
                .anyMatch(e -> e.startsWith("pools.main.jobCapacity: without jobsPath"));
        assertThat(errors(BASE.replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 0 }\n    upstreams:")))
                .anyMatch(e -> e.startsWith("pools.main.jobCapacity.gpus"))
                .anyMatch(e -> e.startsWith("pools.main.jobCapacity.pricePerGpuHour: missing"));
        assertThat(errors(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", jobs: { gpuHours: 1 } }")))
                .anyMatch(e -> e.startsWith("tiers.basic.jobs.gpuHours: unknown field"));
    }

    @Test
    void guardrailsAreReadPerTierAndTheirMistakesNamed() throws Exception {
        WardenConfig c = parse(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", guardrails: { pii: "
                + "{ email: redact, card: { action: block, shadow: true } }, deny: [ { id: w, pattern: \"(?i)bomb\" } ] } }"));
        GuardrailPolicy g = c.tiers().get("basic").guardrails();
        assertThat(g.pii()).containsEntry(PiiKind.EMAIL, new GuardrailPolicy.Rule(GuardrailPolicy.Action.REDACT, false))
                .containsEntry(PiiKind.CARD, new GuardrailPolicy.Rule(GuardrailPolicy.Action.BLOCK, true));
        assertThat(g.deny()).singleElement().satisfies(d -> assertThat(d.rule()).isEqualTo("deny.w"));
        assertThat(parse(BASE).tiers().get("basic").guardrails().any()).isFalse();
        assertThat(errors(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", guardrails: { pii: "
                + "{ passport: block, email: hide }, deny: [ { id: w, pattern: \"(unclosed\" }, { pattern: x } ] } }")))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.pii.passport: unknown kind"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.pii.email: 'hide' (expected: block, redact or log)"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.deny[0].pattern: not a regular expression"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.deny[1].id"));
    }

    @Test
    void fieldPermissionsNameRolesReadersAndPathsAndTheirMistakesAreNamed() throws Exception {
        FieldPolicy f = parse(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", fields: { answers: "
                + "{ developer: [ \"choices[].logprobs\", usage ] }, records: { platform-admin: [ audit.source, usage.user ] } } }"))
                .tiers().get("basic").fields();
        assertThat(f.answers(Role.DEVELOPER).paths()).containsExactly("choices[].logprobs", "usage");
        assertThat(f.answers(Role.SERVICE).isEmpty()).isTrue();
        assertThat(f.records("platform-admin", "audit").paths()).containsExactly("source");
        assertThat(f.records("platform-admin", "usage").hides("user")).isTrue();
        assertThat(f.records("tenant-admin", "audit").isEmpty()).isTrue();
        assertThat(errors(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", fields: { answers: "
                + "{ viewer: [ usage ], developer: [ \"choices[.x\" ] }, records: { root: [ audit.source ], platform-admin: [ audit.secret ] } } }")))
                .anyMatch(e -> e.startsWith("tiers.basic.fields.answers.viewer: not a role that calls models"))
                .anyMatch(e -> e.startsWith("tiers.basic.fields.answers.developer[0]: 'choices[.x'"))
                .anyMatch(e -> e.startsWith("tiers.basic.fields.records.root: unknown reader"))
                .anyMatch(e -> e.startsWith("tiers.basic.fields.records.platform-admin[0]: 'audit.secret'"));
    }

    @Test
    void aModerationHookNamesAConfiguredModelAndIsClosedByDefault() throws Exception {
        GuardrailPolicy.Moderation m = parse(BASE.replace("basic: { description: \"b\" }",
                "basic: { description: \"b\", guardrails: { moderation: { model: m1, categories: [violence] } } }"))
                .tiers().get("basic").guardrails().moderation();
        assertThat(m.model()).isEqualTo("m1");
        assertThat(m.timeoutMs()).isEqualTo(GuardrailPolicy.Moderation.DEFAULT_TIMEOUT_MS);
        assertThat(m.failOpen()).as("closed unless it says allow").isFalse();
        assertThat(m.blocks("violence")).isTrue();
        assertThat(m.blocks("harassment")).isFalse();
        assertThat(errors(BASE.replace("basic: { description: \"b\" }", "basic: { description: \"b\", guardrails: { moderation: "
                + "{ model: nope, timeoutMs: 5, onFailure: maybe, categories: [\"Bad Name\"] } } }")))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.moderation.model: unknown model 'nope'"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.moderation.timeoutMs"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.moderation.onFailure: 'maybe'"))
                .anyMatch(e -> e.startsWith("tiers.basic.guardrails.moderation.categories"));
    }

    @Test
    void computeWeightsPredictCostsAndComputeRatesAreReadAndBounded() throws Exception {
        WardenConfig c = parse(BASE.replace("m1: { pool: main }", "m1: { pool: main, computeWeight: 2.5, predict: { computeUnits: "
                + "{ perCall: 7 }, price: { perCall: 100, perItem: 3, perKiB: 1 } } }").replace("basic: { description: \"b\" }",
                "basic: { description: \"b\", limits: { computeUnitsPerMinute: 9000, perKey: { computeUnitsPerMinute: 100 } } }"));
        ModelConfig m1 = c.models().get("m1");
        assertThat(m1.computeWeight()).isEqualTo(2.5);
        assertThat(m1.predict()).isEqualTo(new PredictCost("/v1/models/{model}/predict", new PredictCost.Rates(7, 0, 0),
                new PredictCost.Rates(100, 3, 1)));
        assertThat(c.tiers().get("basic").limits().tenant().computeUnitsPerMinute()).isEqualTo(9000);
        assertThat(c.tiers().get("basic").limits().perKey().computeUnitsPerMinute()).isEqualTo(100);
        List<String> errors = errors(BASE.replace("m1: { pool: main }", "m1: { pool: main, computeWeight: 0.0001, predictPath: /p, "
                + "predict: { computeUnits: { perCall: -1 } } }").replace("  main:\n    upstreams:",
                "  main:\n    capacity: { seats: 4, seatTokens: 100 }\n    upstreams:"));
        assertThat(errors).contains("models.m1.computeWeight: 0.0001 (expected: 0.001..1000000)",
                "models.m1.predictPath: moved to predict.path (with the route's cost: predict.computeUnits, predict.price)",
                "models.m1.predict.price: missing (a predict call's price per call, item or KiB; { perCall: 0 } if it is free)",
                "models.m1.predict.computeUnits.perCall: -1 (expected: 0..1000000000000)",
                "pools.main.capacity.seatTokens: renamed seatUnits: a seat carries compute units (tokens x the model's computeWeight)");
        assertThat(errors(BASE.replace("m1: { pool: main }", "m1: { pool: main, computeWeight: 1.2345 }")))
                .contains("models.m1.computeWeight: 1.2345 (expected: at most three decimals)");
    }

    @Test
    void poolResilienceHasDefaultsAndBounds() throws Exception {
        PoolConfig main = parse(BASE).pools().get("main");
        assertThat(main.resilience()).isEqualTo(Resilience.DEFAULTS);
        assertThat(main.upstreams().get(0).weight()).isEqualTo(1);
        PoolConfig tuned = parse(BASE.replace("  main:\n    upstreams:\n      - { url: \"http://127.0.0.1:9001\", region: eu }",
                "  main:\n    circuitBreaker: { failures: 2, openMs: 250 }\n    healthCheck: { path: /ready, intervalMs: 2000 }\n"
                        + "    retries: { maxRetries: 1 }\n    upstreams:\n      - { url: \"http://127.0.0.1:9001\", region: eu, weight: 5 }"))
                .pools().get("main");
        assertThat(tuned.resilience().breaker()).isEqualTo(new Resilience.Breaker(2, 250, 120_000));
        assertThat(tuned.resilience().healthCheck()).isEqualTo(new Resilience.HealthCheck("/ready", 2000, 1000, 2, 2));
        assertThat(tuned.resilience().retries()).isEqualTo(new Resilience.Retries(1, 20, 3));
        assertThat(tuned.upstreams().get(0).weight()).isEqualTo(5);
        List<String> errors = errors(BASE.replace("region: eu }", "region: eu, weight: 0 }").replace("  main:\n",
                "  main:\n    healthCheck: { path: \"http://x/\", timeoutMs: 5 }\n    retries: { maxRetries: 11, jitter: 1 }\n"));
        assertThat(errors).contains("pools.main.upstreams[0].weight: 0 (expected: 1..1000)",
                "pools.main.healthCheck.path: 'http://x/' (expected: an absolute path of [A-Za-z0-9._~/-], e.g. /health)",
                "pools.main.retries.maxRetries: 11 (expected: 0..10)");
        assertThat(errors).anyMatch(e -> e.startsWith("pools.main.healthCheck.timeoutMs: 5"));
        assertThat(errors).anyMatch(e -> e.startsWith("pools.main.retries.jitter: unknown field"));
    }

    @Test
    void fallbackChainsNameOtherModelsOfTheTenant() throws Exception {
        String two = BASE.replace("  m1: { pool: main }", "  m1: { pool: main }\n  m2: { pool: main }\n  m3: { pool: main }")
                .replace("models: [m1] }", "models: [m1, m2] }");
        WardenConfig ok = parse(two.replace("models: [m1, m2] }", "models: [m1, m2], fallbacks: { m1: [m2] } }"));
        assertThat(ok.tenants().get("acme").fallbacks()).containsEntry("m1", List.of("m2"));
        assertThat(errors(two.replace("models: [m1, m2] }", "models: [m1, m2], fallbacks: { m1: [m3], m2: [m2], m3: [m1] } }")))
                .contains("tenants.acme.fallbacks.m1: fallback 'm3' is not one of the tenant's models",
                        "tenants.acme.fallbacks.m2: expected 1..4 other models, each once",
                        "tenants.acme.fallbacks.m3: 'm3' is not one of the tenant's models");
    }

    @Test
    void upstreamsMustBePlainHttpUrls() {
        String yaml = BASE.replace("http://127.0.0.1:9001", "file:///etc/passwd");
        assertThat(errors(yaml)).contains("pools.main.upstreams[0].url: 'file:///etc/passwd' (expected: an http:// or https:// URL)");
        assertThat(errors(BASE.replace("http://127.0.0.1:9001", "http://user:pw@127.0.0.1:9001")))
                .contains("pools.main.upstreams[0].url: 'http://user:pw@127.0.0.1:9001' (expected: scheme://host[:port][/path], no credentials, query or fragment)");
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        String yaml = """
                pools:
                  main: { upstreams: [] }
                models:
                  m1: { pool: nopool, maxOutputTokens: 0 }
                tiers:
                  basic: {}
                tenants:
                  acme: { tier: gold, regions: [eu], models: [m2] }
                """;
        assertThat(errors(yaml)).containsExactlyInAnyOrder(
                "pools.main.upstreams: empty (expected: at least one upstream)",
                "models.m1.pool: unknown pool 'nopool' (expected one of: main)",
                "models.m1.maxOutputTokens: 0 (expected: 1..10000000)",
                "tenants.acme.tier: unknown tier 'gold' (expected one of: basic)",
                "tenants.acme.regions: unknown region 'eu' (no upstream runs there; known: )",
                "tenants.acme.models: unknown model 'm2'");
    }

    @Test
    void valuesAreTakenLiterallyNeverEvaluated() throws Exception {
        WardenConfig c = parse(BASE.replace("description: \"b\"", "description: \"${jndi:ldap://x} #{T(java.lang.Runtime)} ${env:SECRET}\""));
        assertThat(c.tiers().get("basic").description()).isEqualTo("${jndi:ldap://x} #{T(java.lang.Runtime)} ${env:SECRET}");
    }

    @Test
    void duplicateYamlKeysAreRefused() {
        assertThatThrownBy(() -> parse(BASE + "tiers:\n  other: {}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Duplicate field 'tiers'");
    }

    @Test
    void plainKeysAreHashedAndIdsMustBeUnique() throws Exception {
        String key = ApiKeyFormat.generate();
        String yaml = BASE.replace("models: [m1] }", "models: [m1], keys: [{ key: \"" + key + "\" }, { key: \"" + key + "\" }] }");
        assertThat(errors(yaml)).contains("tenants.acme.keys[1].id: duplicate key id '" + ApiKeyFormat.keyId(key) + "'");
        WardenConfig ok = parse(BASE.replace("models: [m1] }", "models: [m1], keys: [{ key: \"" + key + "\", role: viewer }] }"));
        assertThat(ok.tenants().get("acme").keys().get(0).toString()).doesNotContain(key).contains("<redacted>");
    }

    @ParameterizedTest
    @CsvSource({"gpt-4o-mini, o200k_base", "o3-mini, o200k_base", "gpt-5, o200k_base", "gpt-4.1, o200k_base",
            "llama-3-70b, o200k_base", "gpt-4-turbo, cl100k_base", "gpt-3.5-turbo, cl100k_base", "openai/gpt-4, cl100k_base",
            "text-embedding-3-small, cl100k_base"})
    void aModelWithoutAnEncodingGetsItsFamilysCurrentOne(String upstreamName, String encoding) throws Exception {
        WardenConfig c = parse(BASE.replace("m1: { pool: main }", "m1: { pool: main, upstreamName: \"" + upstreamName + "\" }"));
        assertThat(c.models().get("m1").encoding()).isEqualTo(encoding);
        WardenConfig named = parse(BASE.replace("m1: { pool: main }", "m1: { pool: main, upstreamName: \"" + upstreamName
                + "\", encoding: p50k_base }"));
        assertThat(named.models().get("m1").encoding()).as("a written encoding wins").isEqualTo("p50k_base");
    }

    @Test
    void redisTopologiesClusterAndSentinel() throws Exception {
        WardenConfig c = parse(BASE + """
                limiter: { store: redis, redisTopology: cluster, redis: "redis://10.0.0.1:7000", redisNodes: ["redis://10.0.0.2:7000"] }
                cache: { store: redis }
                """);
        assertThat(c.limiter().redis().topology()).isEqualTo("cluster");
        assertThat(c.limiter().redis().urls()).containsExactly("redis://10.0.0.1:7000", "redis://10.0.0.2:7000");
        assertThat(c.cache().target()).as("the cache uses the limiter's Redis unless it names its own").isEqualTo(c.limiter().redis());

        WardenConfig s = parse(BASE + """
                limiter: { store: redis, redisTopology: sentinel, redis: "redis://:pw@s1:26379", redisNodes: ["redis://s2:26379"], redisMaster: mymaster }
                """);
        assertThat(s.limiter().redis().master()).isEqualTo("mymaster");
        assertThat(s.limiter().toString()).contains("sentinel", "mymaster").doesNotContain("pw");

        assertThat(errors(BASE + "limiter: { store: redis, redisTopology: sentinel, redis: \"redis://s1:26379\" }\n"))
                .containsExactly("limiter.redisMaster: missing (the name Sentinel watches the master by)");
        assertThat(errors(BASE + "limiter: { store: redis, redis: \"redis://a:1\", redisNodes: [\"redis://b:1\"] }\n"))
                .containsExactly("limiter.redisNodes: only for redisTopology cluster (more seeds) or sentinel (more sentinels)");
        assertThat(errors(BASE + "limiter: { store: redis, redisTopology: cluster, redis: \"redis://a:1/2\" }\n"))
                .containsExactly("limiter.redis: a Redis Cluster has only database 0");
        assertThat(errors(BASE + "limiter: { store: redis, redisTopology: cluster, redisNodes: [\"http://b:1\"] }\n"))
                .containsExactly("limiter.redisNodes[0]: (expected: redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)");
        assertThat(errors(BASE + "limiter: { store: redis, redisTopology: ring }\n")).hasSize(1)
                .allMatch(e -> e.startsWith("limiter.redisTopology"));
    }
}
