package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ATTACKS C10, the parts a test can show: a dump of the control store holds no credential (API
 * keys, operator keys, job secrets, the admin token: keyed hashes only), and a key that is wrong
 * in its first byte, wrong in its last byte, or valid for another tenant gets one and the same
 * answer. That the three also cost the same is measured, not asserted here: bench
 * {@code KeyCheckBenchmark}, results in docs/PERFORMANCE.md.
 */
class SecretsAtRestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDumpOfTheStoreHoldsOnlyHashes() throws Exception {
        String url = Databases.fresh(Databases.Kind.SQLITE);
        Path file = Path.of(url.substring("jdbc:sqlite:".length()));
        List<String> secrets = new ArrayList<>();
        try (TestGateway gw = new TestGateway(yaml -> yaml.replace("  main:\n    upstreams:", "  main:\n    jobsPath: /v1/jobs\n    jobCapacity: { gpus: 4, pricePerGpuHour: 0 }\n    upstreams:"),
                url)) {
            String admin = bearer(gw.adminToken);
            secrets.add(gw.adminToken);
            for (String role : List.of("developer", "tenant-admin", "viewer")) {
                HttpResponse<String> r = Http.post(gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"" + role + "\"}", "Authorization", admin);
                assertThat(r.statusCode()).isEqualTo(201);
                secrets.add(JSON.readTree(r.body()).path("key").asText());
            }
            HttpResponse<String> op = Http.post(gw.adminUrl("/admin/v1/operators"), "{\"name\":\"ops\",\"role\":\"platform-auditor\"}",
                    "Authorization", admin);
            assertThat(op.statusCode()).as(op.body()).isEqualTo(201);
            secrets.add(JSON.readTree(op.body()).path("key").asText());
            HttpResponse<String> job = Http.post(gw.dataUrl("/api/v1/tenants/acme/jobs"),
                    "{\"model\":\"gpt-sim\",\"kind\":\"batch\",\"params\":{\"durationMs\":100}}", "Authorization", bearer(secrets.get(1)));
            assertThat(job.statusCode()).as(job.body()).isEqualTo(201);
            String handedOut = gw.eu.lastBody() != null && gw.eu.lastBody().contains("wjs_") ? gw.eu.lastBody() : gw.us.lastBody();
            secrets.add(JSON.readTree(handedOut).path("credentials").path("secret").asText());
            secrets.addAll(gw.keys.values());
            // the keys work, so they really are in the store and the config
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(secrets.get(1))).statusCode())
                    .isEqualTo(200);
        }
        assertThat(secrets).allMatch(s -> s.length() >= 20);
        byte[] dump = dump(file);
        assertThat(dump.length).isGreaterThan(10_000);
        String text = new String(dump, StandardCharsets.ISO_8859_1);
        for (String secret : secrets) {
            String tail = secret.substring(secret.length() - 20); // the random part, whatever the prefix
            assertThat(text).as("the store holds no credential").doesNotContain(tail);
        }
        assertThat(text).contains("hmac-sha256:");
    }

    /** The database file and its write-ahead log, as a thief would copy them. */
    private static byte[] dump(Path db) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String suffix : List.of("", "-wal", "-journal", "-shm")) {
            Path p = Path.of(db + suffix);
            if (Files.exists(p)) {
                out.write(Files.readAllBytes(p));
            }
        }
        return out.toByteArray();
    }

    @Test
    void aKeyWrongAnywhereAndAnotherTenantsKeyGetOneAnswer() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            String key = gw.key("acme");
            int secretStart = key.lastIndexOf('_') + 1;
            List<String> presented = List.of(
                    key.substring(0, secretStart) + flip(key.charAt(secretStart)) + key.substring(secretStart + 1),
                    key.substring(0, key.length() - 1) + flip(key.charAt(key.length() - 1)),
                    gw.key("globex"));
            List<String> answers = new ArrayList<>();
            for (String k : presented) {
                HttpResponse<String> r = Http.post(gw.dataUrl("/api/v1/tenants/acme/models/echo/predict"), "{}", "Authorization", bearer(k));
                assertThat(r.statusCode()).isEqualTo(401);
                answers.add(r.statusCode() + " " + r.headers().firstValue("WWW-Authenticate").orElse("") + " "
                        + r.body().replaceAll("\"request_id\":\"[0-9a-f]+\"", "").replaceAll("[0-9a-f]{32}", ""));
            }
            assertThat(answers).as("byte-identical apart from the request id").containsOnly(answers.get(0));
        }
    }

    private static char flip(char c) {
        return c == 'A' ? 'B' : 'A';
    }
}
