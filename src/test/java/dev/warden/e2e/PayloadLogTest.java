package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.app.KeyRotation;
import dev.warden.crypto.Envelope;
import dev.warden.crypto.KeyRing;
import dev.warden.crypto.SecretFiles;
import dev.warden.record.PayloadRecord;
import dev.warden.store.ControlStore;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payloads are the tenant's: an opted-in tenant's prompts and answers (whole and streamed) are in
 * its payload log, sealed at rest, read and deleted by its own admins (each read audited); platform
 * admins and auditors get 403 and an audit event; another tenant's admin, and another tenant's
 * payload id, get what an unknown one gets; retention deletes them; a tenant that did not opt in
 * has none. Rotating the key-encryption key re-wraps every sealed value, after which the old key
 * can go.
 */
class PayloadLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String issue(TestGateway gw, String tenant, String role) throws Exception {
        HttpResponse<String> r = Http.call("POST", gw.adminUrl("/admin/v1/tenants/" + tenant + "/keys"), "{\"role\":\"" + role + "\"}",
                "Authorization", bearer(gw.adminToken));
        assertThat(r.statusCode()).isEqualTo(201);
        return JSON.readTree(r.body()).path("key").asText();
    }

    private static HttpResponse<String> get(TestGateway gw, String key, String path) {
        return Http.call("GET", gw.adminUrl(path), null, "Authorization", bearer(key));
    }

    @Test
    void anOptedInTenantsPayloadsAreSealedAndOnlyItsOwnAdminsReadThem() throws Exception {
        String db = Databases.fresh(Databases.Kind.SQLITE);
        try (TestGateway gw = new TestGateway(yaml -> yaml, db)) {
            String acmeAdmin = issue(gw, "acme", "tenant-admin");
            String globexAdmin = issue(gw, "globex", "tenant-admin");
            HttpResponse<String> optIn = Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/logging"),
                    "{\"payloads\":true,\"retentionDays\":7}", "Authorization", bearer(acmeAdmin));
            assertThat(optIn.statusCode()).as(optIn.body()).isEqualTo(200);
            Thread.sleep(400); // the store sync carries the setting to the data plane

            String prompt = "the launch code is tangerine";
            HttpResponse<String> whole = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}", "Authorization", bearer(gw.key("acme")));
            assertThat(whole.statusCode()).isEqualTo(200);
            HttpResponse<String> streamed = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,"
                    + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stream it\"}]}", "Authorization", bearer(gw.key("acme")));
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}", "Authorization", bearer(gw.key("globex")))
                    .statusCode()).isEqualTo(200);

            JsonNode list = null;
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline) { // the payload writer stores in batches
                list = JSON.readTree(get(gw, acmeAdmin, "/admin/v1/tenants/acme/payloads").body()).path("payloads");
                if (list.size() == 2) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(list).hasSize(2);
            String wholeId = "pl-" + whole.headers().firstValue("X-Request-ID").orElseThrow();
            assertThat(list.findValuesAsText("id")).contains(wholeId);

            int readMark = gw.auditMark();
            JsonNode one = JSON.readTree(get(gw, acmeAdmin, "/admin/v1/tenants/acme/payloads/" + wholeId).body());
            assertThat(one.path("request").asText()).contains(prompt);
            assertThat(one.path("response").asText()).contains("choices");
            assertThat(one.path("model").asText()).isEqualTo("gpt-sim");
            assertThat(one.path("expiresAt").asText()).isNotEmpty();
            assertThat(gw.awaitAudit(r -> r.seq() > readMark && r.event().action().equals("payload.read"))).singleElement()
                    .satisfies(r -> assertThat(r.event().tenant()).isEqualTo("acme"));
            String streamId = "pl-" + streamed.headers().firstValue("X-Request-ID").orElseThrow();
            JsonNode streamedOne = JSON.readTree(get(gw, acmeAdmin, "/admin/v1/tenants/acme/payloads/" + streamId).body());
            assertThat(streamedOne.path("request").asText()).contains("stream it");
            assertThat(streamedOne.path("response").asText()).as("a stream's text").isNotEmpty();

            // platform principals: 403, audited; another tenant's admin: what an unknown tenant or id gets
            int mark = gw.auditMark();
            HttpResponse<String> platform = get(gw, gw.adminToken, "/admin/v1/tenants/acme/payloads/" + wholeId);
            assertThat(platform.statusCode()).isEqualTo(403);
            assertThat(gw.assertOneNewDeny(mark, "admin_payload_denied").tenant()).isEqualTo("acme");
            HttpResponse<String> auditorOp = Http.post(gw.adminUrl("/admin/v1/operators"), "{\"name\":\"ops\",\"role\":\"platform-auditor\"}",
                    "Authorization", bearer(gw.adminToken));
            String auditor = JSON.readTree(auditorOp.body()).path("key").asText();
            mark = gw.auditMark();
            assertThat(get(gw, auditor, "/admin/v1/tenants/acme/payloads").statusCode()).isEqualTo(403);
            gw.assertOneNewDeny(mark, "forbidden");
            HttpResponse<String> probe = get(gw, globexAdmin, "/admin/v1/tenants/globex/payloads/" + wholeId);
            HttpResponse<String> unknown = get(gw, globexAdmin, "/admin/v1/tenants/globex/payloads/pl-00000000000000000000000000000000");
            assertThat(probe.statusCode()).isEqualTo(404);
            assertThat(probe.body()).isEqualTo(unknown.body());
            assertThat(get(gw, globexAdmin, "/admin/v1/tenants/acme/payloads").statusCode()).isEqualTo(404);
            assertThat(Http.call("DELETE", gw.adminUrl("/admin/v1/tenants/globex/payloads/" + wholeId), null, "Authorization",
                    bearer(globexAdmin)).statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(get(gw, globexAdmin, "/admin/v1/tenants/globex/payloads").body()).path("payloads"))
                    .as("a tenant that did not opt in has none").isEmpty();

            // at rest: sealed, nothing of the prompt readable in the database file
            Path file = Path.of(db.substring("jdbc:sqlite:".length()));
            StringBuilder dump = new StringBuilder();
            for (String suffix : List.of("", "-wal")) {
                Path p = Path.of(file + suffix);
                if (Files.exists(p)) {
                    dump.append(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
            assertThat(dump).contains("wenc1.").doesNotContain("tangerine");

            assertThat(Http.call("DELETE", gw.adminUrl("/admin/v1/tenants/acme/payloads/" + wholeId), null, "Authorization",
                    bearer(acmeAdmin)).statusCode()).isEqualTo(204);
            assertThat(get(gw, acmeAdmin, "/admin/v1/tenants/acme/payloads/" + wholeId).statusCode()).isEqualTo(404);
            try (ControlStore store = ControlStores.open(db)) {
                assertThat(store.payloads().deleteExpired(System.currentTimeMillis())).as("within retention").isZero();
                assertThat(store.payloads().deleteExpired(System.currentTimeMillis() + 8 * 86_400_000L)).as("past 7 days").isEqualTo(1);
            }
            assertThat(JSON.readTree(get(gw, acmeAdmin, "/admin/v1/tenants/acme/payloads").body()).path("payloads")).isEmpty();
        }
    }

    @Test
    void rotatingTheKeyRewrapsEverySealedValueAfterWhichTheOldKeyCanGo(@TempDir Path dataDir) throws Exception {
        String k1 = KeyRing.newKeyLine("k1");
        String k2 = KeyRing.newKeyLine("k2");
        Envelope old = KeyRing.parse(k1, "old");
        byte[] hashing = SecretFiles.read(dataDir.resolve("keyhash.secret"), old);
        byte[] audit = SecretFiles.read(dataDir.resolve("audit.secret"), old);
        String db = "jdbc:sqlite:" + dataDir.resolve("warden.db");
        try (ControlStore store = ControlStores.open(db)) {
            store.payloads().append(List.of(new PayloadRecord("pl-1", "acme", "r1", 1, "k", "chat_completions", "gpt-sim", 200,
                    Long.MAX_VALUE, old.seal("{\"request\":\"hello\",\"response\":null}", PayloadRecord.aad("acme", "pl-1")))));

            Envelope both = KeyRing.parse(k2 + "\n" + k1, "new then old");
            assertThat(KeyRotation.rotate(both, dataDir, store)).isEqualTo(new KeyRotation.Report(2, 1));
            assertThat(KeyRotation.rotate(both, dataDir, store)).as("nothing left to do").isEqualTo(new KeyRotation.Report(0, 0));

            Envelope next = KeyRing.parse(k2, "new alone");
            assertThat(SecretFiles.read(dataDir.resolve("keyhash.secret"), next)).isEqualTo(hashing);
            assertThat(SecretFiles.read(dataDir.resolve("audit.secret"), next)).isEqualTo(audit);
            String sealed = store.payloads().find("acme", "pl-1").orElseThrow().sealed();
            assertThat(next.openText(sealed, PayloadRecord.aad("acme", "pl-1"))).contains("hello");
            assertThat(store.payloads().find("globex", "pl-1")).as("scoped to its tenant").isEmpty();
        }
    }
}
