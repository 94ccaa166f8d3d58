package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.store.StoredKey;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** API keys: expiry, rotation with an overlap window, revocation cutting an overlap short, last use. */
class KeyLifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return Http.call(method, gw.adminUrl(path), body, "Authorization", bearer(gw.adminToken));
    }

    private int call(String key) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(key)).statusCode();
    }

    @Test
    void aKeyStopsAtItsExpiryWithoutAnyReload() throws Exception {
        String expiresAt = Instant.now().plusMillis(1500).truncatedTo(ChronoUnit.MILLIS).toString();
        HttpResponse<String> issued = admin("POST", "/admin/v1/tenants/acme/keys", "{\"expiresAt\":\"" + expiresAt + "\"}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        JsonNode body = JSON.readTree(issued.body());
        assertThat(body.path("expiresAt").asText()).isEqualTo(Instant.parse(expiresAt).toString());
        String key = body.path("key").asText();
        assertThat(call(key)).isEqualTo(200);
        long version = gw.gateway.snapshots().current().version();
        Thread.sleep(Math.max(0, Instant.parse(expiresAt).toEpochMilli() - System.currentTimeMillis() + 50));
        HttpResponse<String> expired = Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(key));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(gw.gateway.snapshots().current().version()).as("no snapshot change was needed").isEqualTo(version);
        gw.assertAudited(expired);
        assertThat(gw.auditRecords().stream().filter(r -> "unauthenticated:key_expired".equals(r.event().reason()))).hasSize(1);

        JsonNode listed = JSON.readTree(admin("GET", "/admin/v1/tenants/acme/keys", null).body());
        JsonNode entry = find(listed, body.path("keyId").asText());
        assertThat(entry.path("state").asText()).isEqualTo("expired");
        assertThat(entry.path("revoked").asBoolean()).isTrue();

        for (String bad : new String[] {"yesterday", Instant.now().minusSeconds(60).toString(), "2999-01-01T00:00:00Z"}) {
            assertThat(admin("POST", "/admin/v1/tenants/acme/keys", "{\"expiresAt\":\"" + bad + "\"}").statusCode()).as(bad).isEqualTo(400);
        }
    }

    @Test
    void aRotationKeepsTheOldKeyWorkingForItsOverlapOnly() throws Exception {
        JsonNode first = JSON.readTree(admin("POST", "/admin/v1/tenants/acme/keys", "{\"role\":\"developer\",\"models\":[\"echo\"]}").body());
        String oldKey = first.path("key").asText();
        String oldId = first.path("keyId").asText();

        HttpResponse<String> rotated = admin("POST", "/admin/v1/tenants/acme/keys/" + oldId + "/rotate", "{\"overlapSeconds\":2}");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
        JsonNode next = JSON.readTree(rotated.body());
        assertThat(next.path("replaces").asText()).isEqualTo(oldId);
        assertThat(next.path("models").toString()).isEqualTo("[\"echo\"]");
        assertThat(call(next.path("key").asText())).isEqualTo(200);
        assertThat(call(oldKey)).as("the old key works during the overlap").isEqualTo(200);
        assertThat(find(JSON.readTree(admin("GET", "/admin/v1/tenants/acme/keys", null).body()), oldId).path("state").asText())
                .isEqualTo("rotating");
        // a rotating key cannot be rotated again
        assertThat(admin("POST", "/admin/v1/tenants/acme/keys/" + oldId + "/rotate", "{}").statusCode()).isEqualTo(404);

        long until = Instant.parse(next.path("replacedKeyValidUntil").asText()).toEpochMilli();
        Thread.sleep(Math.max(0, until - System.currentTimeMillis() + 50));
        assertThat(call(oldKey)).as("after the overlap").isEqualTo(401);
        assertThat(call(next.path("key").asText())).isEqualTo(200);

        // A revocation cuts an overlap short.
        JsonNode third = JSON.readTree(admin("POST", "/admin/v1/tenants/acme/keys/" + next.path("keyId").asText() + "/rotate",
                "{\"overlapSeconds\":3600}").body());
        String secondKey = next.path("key").asText();
        assertThat(call(secondKey)).isEqualTo(200);
        assertThat(admin("DELETE", "/admin/v1/tenants/acme/keys/" + next.path("keyId").asText(), null).statusCode()).isEqualTo(204);
        assertThat(call(secondKey)).isEqualTo(401);
        assertThat(call(third.path("key").asText())).isEqualTo(200);

        assertThat(admin("POST", "/admin/v1/tenants/acme/keys/" + third.path("keyId").asText() + "/rotate",
                "{\"overlapSeconds\":99999999}").statusCode()).isEqualTo(400);
    }

    @Test
    void lastUseIsRecordedOffTheRequestPath() throws Exception {
        JsonNode issued = JSON.readTree(admin("POST", "/admin/v1/tenants/acme/keys", "{}").body());
        String keyId = issued.path("keyId").asText();
        assertThat(find(JSON.readTree(admin("GET", "/admin/v1/tenants/acme/keys", null).body()), keyId).has("lastUsedAt")).isFalse();
        long before = System.currentTimeMillis();
        assertThat(call(issued.path("key").asText())).isEqualTo(200);
        gw.controlPlane.flushKeyUsage().await(5, TimeUnit.SECONDS);
        StoredKey stored = gw.store.keys().ofTenant("acme").stream().filter(k -> k.keyId().equals(keyId)).findFirst().orElseThrow();
        assertThat(stored.lastUsedAtMs()).isBetween(before / 60_000 * 60_000, System.currentTimeMillis());
        assertThat(find(JSON.readTree(admin("GET", "/admin/v1/tenants/acme/keys", null).body()), keyId).path("lastUsedAt").asText())
                .isEqualTo(Instant.ofEpochMilli(stored.lastUsedAtMs()).toString());
    }

    private static JsonNode find(JsonNode listed, String keyId) {
        for (JsonNode k : listed.path("keys")) {
            if (k.path("keyId").asText().equals(keyId)) {
                return k;
            }
        }
        throw new AssertionError("no key " + keyId + " in " + listed);
    }
}
