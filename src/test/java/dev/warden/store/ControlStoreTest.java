package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.config.ApiKeyFormat;
import dev.warden.config.KeyHasher;
import dev.warden.config.Role;
import dev.warden.config.TenantStatus;
import dev.warden.testing.Databases;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The control store, the same tests against SQLite and PostgreSQL. */
class ControlStoreTest {
    private static final KeyHasher HASHER;

    static {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        HASHER = new KeyHasher(secret);
    }

    private static StoredTenant tenant(String id) {
        return new StoredTenant(id, "pro", List.of("eu"), List.of("gpt-sim", "echo"), TenantStatus.ACTIVE, 1000, 1000);
    }

    private static StoredKey key(String tenant) {
        String k = ApiKeyFormat.generate();
        return new StoredKey(ApiKeyFormat.keyId(k), tenant, Role.DEVELOPER, null, HASHER.hashText(k), 2000, 0);
    }

    private interface StoreTest {
        void run(ControlStore store, String url) throws Exception;
    }

    private static void with(Databases.Kind kind, StoreTest test) throws Exception {
        String url = Databases.fresh(kind);
        try (ControlStore store = ControlStores.open(url)) {
            test.run(store, url);
        } finally {
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void tenantsAreCreatedReadUpdatedAndNeverDuplicated(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            store.createTenant(tenant("acme"));
            store.createTenant(new StoredTenant("globex", "free", List.of("*"), List.of("echo"), TenantStatus.ACTIVE, 1, 1));
            assertThat(store.tenants()).extracting(StoredTenant::id).containsExactly("acme", "globex");
            assertThat(store.tenant("globex")).hasValueSatisfying(t -> {
                assertThat(t.regions()).containsExactly("*");
                assertThat(t.models()).containsExactly("echo");
            });
            assertThatThrownBy(() -> store.createTenant(tenant("acme"))).isInstanceOf(StoreException.Conflict.class);
            StoredTenant suspended = new StoredTenant("acme", "pro", List.of("eu", "us"), List.of("gpt-sim"),
                    TenantStatus.SUSPENDED, 1000, 5000);
            store.updateTenant(suspended);
            assertThat(store.tenant("acme")).contains(suspended);
            assertThatThrownBy(() -> store.updateTenant(tenant("nobody"))).isInstanceOf(StoreException.NotFound.class);
            assertThat(store.tenant("nobody")).isEmpty();
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void keysAreStoredAsHashesAndRevokedOnlyByTheirTenant(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            store.createTenant(tenant("acme"));
            store.createTenant(tenant("globex"));
            StoredKey a = store.insertKey(key("acme"));
            StoredKey limited = store.insertKey(new StoredKey("viewer0001", "acme", Role.VIEWER, List.of("echo"),
                    HASHER.hashText("x"), 3000, 0));
            StoredKey g = store.insertKey(key("globex"));
            assertThat(store.keys("acme")).containsExactly(a, limited);
            assertThat(store.keys()).hasSize(3);
            assertThat(store.keys("acme").get(1).models()).containsExactly("echo");
            assertThat(store.keys()).allSatisfy(k -> assertThat(KeyHasher.isHashText(k.hashText())).isTrue());
            assertThatThrownBy(() -> store.insertKey(a)).isInstanceOf(StoreException.Conflict.class);

            assertThat(store.revokeKey("globex", a.keyId(), 9000)).isFalse(); // not globex's key
            assertThat(store.revokeKey("acme", a.keyId(), 9000)).isTrue();
            assertThat(store.revokeKey("acme", a.keyId(), 9500)).isFalse(); // already revoked
            assertThat(store.keys("acme").get(0).revokedAtMs()).isEqualTo(9000);
            assertThat(store.keys("globex").get(0).revoked()).isFalse();
            assertThat(g.toString()).doesNotContain(g.hashText());
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void everyWriteAndOnlyWritesBumpTheVersion(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            long v0 = store.version();
            store.createTenant(tenant("acme"));
            store.tenants();
            store.keys();
            assertThat(store.version()).isEqualTo(v0 + 1);
            assertThatThrownBy(() -> store.createTenant(tenant("acme"))).isInstanceOf(StoreException.Conflict.class);
            assertThat(store.version()).as("a refused write changes nothing").isEqualTo(v0 + 1);
            store.insertKey(key("acme"));
            assertThat(store.version()).isEqualTo(v0 + 2);
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void twoReplicasShareOneStoreAndReopeningMigratesNothingTwice(Databases.Kind kind) throws Exception {
        with(kind, (first, url) -> {
            try (ControlStore second = ControlStores.open(url)) {
                first.createTenant(tenant("acme"));
                StoredKey k = first.insertKey(key("acme"));
                assertThat(second.tenant("acme")).isPresent();
                assertThat(second.version()).isEqualTo(first.version());
                assertThat(second.revokeKey("acme", k.keyId(), 42)).isTrue();
                assertThat(first.keys("acme").get(0).revoked()).isTrue();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void anUnreachableStoreFailsClearlyWithoutItsPassword(Databases.Kind kind) {
        String url = kind == Databases.Kind.SQLITE ? "jdbc:sqlite:/proc/no/such/dir/warden.db"
                : "jdbc:postgresql://127.0.0.1:1/test?user=warden&password=s3cret&connectTimeout=1";
        assertThatThrownBy(() -> ControlStores.open(url)).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
        assertThatThrownBy(() -> ControlStores.open("jdbc:mysql://x/y")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void concurrentWritersFromTwoReplicasWaitForEachOtherInsteadOfFailing(Databases.Kind kind) throws Exception {
        with(kind, (first, url) -> {
            try (ControlStore second = ControlStores.open(url)) {
                first.createTenant(tenant("acme"));
                List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    ControlStore s = t % 2 == 0 ? first : second;
                    writes.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 15; i++) {
                            s.insertKey(key("acme"));
                            s.appendAudit(List.of(new dev.warden.audit.AuditEvent(1, "acme", null, "x", "allow", "ok", null, null, null)),
                                    new dev.warden.audit.AuditChain(new byte[32]));
                        }
                    }));
                }
                writes.forEach(java.util.concurrent.CompletableFuture::join);
                assertThat(first.keys("acme")).hasSize(120);
                assertThat(second.auditHead().seq()).isEqualTo(120);
            }
        });
    }
}
