package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Role;
import dev.warden.config.TenantStatus;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.store.StoredKey;
import dev.warden.store.StoredTenant;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tenants and keys created in the control store reach the data plane, and a revocation stops a
 * key, within the sync interval; the file wins over the store for a tenant both name.
 * Against SQLite and PostgreSQL.
 */
class StoreBackedGatewayTest {

    private static int awaitStatus(int expected, IntSupplier call) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = call.getAsInt();
        while (status != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = call.getAsInt();
        }
        return status;
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void storedTenantsAndKeysServeAndRevocationStopsThem(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        try (TestGateway gw = new TestGateway(yaml -> yaml, url)) {
            gw.store.tenants().create(new StoredTenant("delta", "basic", List.of("eu"), List.of("gpt-sim"), TenantStatus.ACTIVE, 1, 1));
            String key = ApiKeyFormat.generate();
            gw.store.keys().insert(new StoredKey(ApiKeyFormat.keyId(key), "delta", Role.DEVELOPER, null, gw.hashText(key), 1, 0));
            IntSupplier call = () -> Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                    "Authorization", bearer(key)).statusCode();
            assertThat(awaitStatus(200, call)).isEqualTo(200);
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(key))
                    .headers().firstValue("X-Upstream-Region")).hasValue("eu");

            // a key issued in the store for a tenant of the file works too
            String acmeKey = ApiKeyFormat.generate();
            gw.store.keys().insert(new StoredKey(ApiKeyFormat.keyId(acmeKey), "acme", Role.VIEWER, null, gw.hashText(acmeKey), 1, 0));
            assertThat(awaitStatus(200, () -> Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(acmeKey)).statusCode()))
                    .isEqualTo(200);

            assertThat(gw.store.keys().revoke("delta", ApiKeyFormat.keyId(key), System.currentTimeMillis())).isTrue();
            assertThat(awaitStatus(401, call)).isEqualTo(401);
        } finally {
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void theFileWinsOverTheStoreAndUnfitStoredTenantsAreLeftOut(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        try (TestGateway gw = new TestGateway(yaml -> yaml, url)) {
            // "initech" is eu-only in the file; a stored "initech" with any region must not widen it
            gw.store.tenants().create(new StoredTenant("initech", "gold", List.of("*"), List.of("us-only"), TenantStatus.ACTIVE, 1, 1));
            // a stored tenant on a tier the file does not have is left out, and breaks nothing
            gw.store.tenants().create(new StoredTenant("ghost", "platinum", List.of("eu"), List.of("gpt-sim"), TenantStatus.ACTIVE, 1, 1));
            String ghostKey = ApiKeyFormat.generate();
            gw.store.keys().insert(new StoredKey(ApiKeyFormat.keyId(ghostKey), "ghost", Role.DEVELOPER, null, gw.hashText(ghostKey), 1, 0));
            String marker = ApiKeyFormat.generate();
            gw.store.keys().insert(new StoredKey(ApiKeyFormat.keyId(marker), "acme", Role.DEVELOPER, null, gw.hashText(marker), 1, 0));
            assertThat(awaitStatus(200, () -> Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(marker)).statusCode()))
                    .isEqualTo(200); // the store's changes are in
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("us-only", "x"), "Authorization", bearer(gw.key("initech")))
                    .statusCode()).isEqualTo(503);
            assertThat(Http.get(gw.dataUrl("/v1/models"), "Authorization", bearer(ghostKey)).statusCode()).isEqualTo(401);
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"), "Authorization", bearer(gw.key("globex")))
                    .statusCode()).isEqualTo(200);
        } finally {
            Databases.drop(url);
        }
    }
}
