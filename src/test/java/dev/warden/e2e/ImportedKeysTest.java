package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.Warden;
import dev.warden.crypto.KeyHasher;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Keys issued elsewhere (a previous gateway's {@code sk-...}) declared with {@code imported: true}:
 * found by their keyed hash, they authenticate their own tenant and nothing else.
 */
class ImportedKeysTest {
    private static final String LEGACY = "sk-legacy-globex-0001-Zq8v";

    private static HttpResponse<String> call(TestGateway gw, String model, String key, String... more) {
        String[] headers = new String[2 + more.length];
        headers[0] = "Authorization";
        headers[1] = bearer(key);
        System.arraycopy(more, 0, headers, 2, more.length);
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat(model, "hi"), headers);
    }

    @Test
    void aKeyIssuedElsewhereAuthenticatesItsOwnTenantOnly() throws Exception {
        try (TestGateway gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE))) {
            // the key is added by editing the file, as an operator moving a tenant over would
            String yaml = withGlobexKey(gw, "{ id: legacy1, key: \"" + LEGACY + "\", imported: true, models: [gpt-sim] }");
            assertThat(yaml).contains("legacy1");
            long before = gw.gateway.snapshots().current().version();
            Files.writeString(gw.configFile, yaml);
            awaitNewSnapshot(gw, before);

            HttpResponse<String> ok = call(gw, "gpt-sim", LEGACY);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-Tenant-ID")).hasValue("globex");
            assertThat(call(gw, "gpt-sim", LEGACY, "X-API-Key", LEGACY).statusCode()).as("the same key twice").isEqualTo(200);

            HttpResponse<String> otherTenant = call(gw, "gpt-sim", LEGACY, "X-Tenant-ID", "acme");
            assertThat(otherTenant.statusCode()).isEqualTo(401);
            gw.assertAudited(otherTenant);
            HttpResponse<String> near = call(gw, "gpt-sim", LEGACY.substring(0, LEGACY.length() - 1) + "w");
            assertThat(near.statusCode()).isEqualTo(401);
            assertThat(near.body()).doesNotContain("legacy");
            gw.assertAudited(near);
            assertThat(call(gw, "embed-sim", LEGACY).statusCode()).as("the key's own model list holds").isEqualTo(403);
            // Warden's own keys still work beside it
            assertThat(call(gw, "gpt-sim", gw.key("globex")).statusCode()).isEqualTo(200);
            assertThat(call(gw, "echo", gw.key("acme")).statusCode()).isEqualTo(200);

            assertThat(gw.auditRecords().stream().map(r -> r.event().reason()))
                    .contains("unauthenticated:tenant_mismatch", "unauthenticated:key_invalid");
            assertThat(String.join("\n", gw.auditRecords().stream().map(Object::toString).toList())).doesNotContain(LEGACY);
        }
    }

    @Test
    void keysImportPrintsTheHashOfTheKeyUnderTheDeploymentsSecret() throws Exception {
        Path dataDir = Files.createTempDirectory("warden-import");
        Run weak = keysImport("sk-short", "--data-dir", dataDir.toString(), "--id", "legacy2");
        assertThat(weak.exit()).isEqualTo(2);
        assertThat(weak.err()).contains("8 characters (expected: 16 to 256)");
        assertThat(keysImport(LEGACY, "--data-dir", dataDir.toString(), "--id", "No").exit()).isEqualTo(2);

        Run imported = keysImport(LEGACY + "\n", "--data-dir", dataDir.toString(), "--id", "legacy2", "--role", "viewer");
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("- id: legacy2", "role: viewer", "imported: true").doesNotContain(LEGACY);
        String hash = imported.out().replaceAll("(?s).*hash: (hmac-sha256:[0-9a-f]{64}).*", "$1").strip();
        assertThat(hash).isEqualTo(KeyHasher.fromFile(dataDir.resolve("keyhash.secret")).hashText(LEGACY));
    }

    @Test
    void anImportedKeyDeclaredByItsHashOnlyWorksWithItsRole() throws Exception {
        try (TestGateway gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE))) {
            String yaml = withGlobexKey(gw, "{ id: legacy2, hash: \"" + gw.hashText(LEGACY) + "\", imported: true, role: viewer }");
            long before = gw.gateway.snapshots().current().version();
            Files.writeString(gw.configFile, yaml);
            awaitNewSnapshot(gw, before);

            HttpResponse<String> viewer = call(gw, "gpt-sim", LEGACY);
            assertThat(viewer.statusCode()).as("a viewer may not call a model: %s", viewer.body()).isEqualTo(403);
            HttpResponse<String> models = Http.call("GET", gw.dataUrl("/v1/models"), null, "Authorization", bearer(LEGACY));
            assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
            assertThat(models.headers().firstValue("X-Tenant-ID")).hasValue("globex");
        }
    }

    /** The gateway's config with one more key entry for globex. */
    private static String withGlobexKey(TestGateway gw, String entry) throws IOException {
        String line = "      - { key: \"" + gw.key("globex") + "\" }\n";
        String yaml = Files.readString(gw.configFile);
        assertThat(yaml).contains(line);
        return yaml.replace(line, line + "      - " + entry + "\n");
    }

    private static void awaitNewSnapshot(TestGateway gw, long before) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gw.gateway.snapshots().current().version() == before) {
            assertThat(System.nanoTime()).as("the reload was not picked up in 5 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run keysImport(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            String[] all = new String[args.length + 2];
            all[0] = "keys";
            all[1] = "import";
            System.arraycopy(args, 0, all, 2, args.length);
            int exit = new CommandLine(new Warden()).execute(all);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
