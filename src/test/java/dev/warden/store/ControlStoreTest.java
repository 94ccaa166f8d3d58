package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.config.PlatformRole;
import dev.warden.config.Role;
import dev.warden.config.TenantStatus;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditQuery;
import dev.warden.record.AuditRecord;
import dev.warden.record.TenantSpend;
import dev.warden.record.UsageRecord;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.Databases;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
            store.tenants().create(tenant("acme"));
            store.tenants().create(new StoredTenant("globex", "free", List.of("*"), List.of("echo"), TenantStatus.ACTIVE, 1, 1));
            assertThat(store.tenants().all()).extracting(StoredTenant::id).containsExactly("acme", "globex");
            assertThat(store.tenants().find("globex")).hasValueSatisfying(t -> {
                assertThat(t.regions()).containsExactly("*");
                assertThat(t.models()).containsExactly("echo");
            });
            assertThatThrownBy(() -> store.tenants().create(tenant("acme"))).isInstanceOf(StoreException.Conflict.class);
            StoredTenant suspended = new StoredTenant("acme", "pro", List.of("eu", "us"), List.of("gpt-sim"),
                    TenantStatus.SUSPENDED, 1000, 5000);
            store.tenants().update(suspended);
            assertThat(store.tenants().find("acme")).contains(suspended);
            assertThatThrownBy(() -> store.tenants().update(tenant("nobody"))).isInstanceOf(StoreException.NotFound.class);
            assertThat(store.tenants().find("nobody")).isEmpty();
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void keysAreStoredAsHashesAndRevokedOnlyByTheirTenant(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            store.tenants().create(tenant("acme"));
            store.tenants().create(tenant("globex"));
            StoredKey a = store.keys().insert(key("acme"));
            StoredKey limited = store.keys().insert(new StoredKey("viewer0001", "acme", Role.VIEWER, List.of("echo"),
                    HASHER.hashText("x"), 3000, 0));
            StoredKey g = store.keys().insert(key("globex"));
            assertThat(store.keys().ofTenant("acme")).containsExactly(a, limited);
            assertThat(store.keys().all()).hasSize(3);
            assertThat(store.keys().ofTenant("acme").get(1).models()).containsExactly("echo");
            assertThat(store.keys().all()).allSatisfy(k -> assertThat(KeyHasher.isHashText(k.hashText())).isTrue());
            assertThatThrownBy(() -> store.keys().insert(a)).isInstanceOf(StoreException.Conflict.class);

            assertThat(store.keys().revoke("globex", a.keyId(), 9000)).isFalse(); // not globex's key
            assertThat(store.keys().revoke("acme", a.keyId(), 9000)).isTrue();
            assertThat(store.keys().revoke("acme", a.keyId(), 9500)).isFalse(); // already revoked
            assertThat(store.keys().ofTenant("acme").get(0).revokedAtMs()).isEqualTo(9000);
            assertThat(store.keys().ofTenant("globex").get(0).revoked()).isFalse();
            assertThat(g.toString()).doesNotContain(g.hashText());
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void everyWriteAndOnlyWritesBumpTheVersion(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            long v0 = store.version();
            store.tenants().create(tenant("acme"));
            store.tenants().all();
            store.keys().all();
            assertThat(store.version()).isEqualTo(v0 + 1);
            assertThatThrownBy(() -> store.tenants().create(tenant("acme"))).isInstanceOf(StoreException.Conflict.class);
            assertThat(store.version()).as("a refused write changes nothing").isEqualTo(v0 + 1);
            store.keys().insert(key("acme"));
            assertThat(store.version()).isEqualTo(v0 + 2);
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void twoReplicasShareOneStoreAndReopeningMigratesNothingTwice(Databases.Kind kind) throws Exception {
        with(kind, (first, url) -> {
            try (ControlStore second = ControlStores.open(url)) {
                first.tenants().create(tenant("acme"));
                StoredKey k = first.keys().insert(key("acme"));
                assertThat(second.tenants().find("acme")).isPresent();
                assertThat(second.version()).isEqualTo(first.version());
                assertThat(second.keys().revoke("acme", k.keyId(), 42)).isTrue();
                assertThat(first.keys().ofTenant("acme").get(0).revoked()).isTrue();
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
                first.tenants().create(tenant("acme"));
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    ControlStore s = t % 2 == 0 ? first : second;
                    writes.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 15; i++) {
                            s.keys().insert(key("acme"));
                            s.audit().append(List.of(new AuditEvent(1, "acme", null, "x", "allow", "ok", null, null, null)),
                                    new AuditChain(new byte[32]));
                        }
                    }));
                }
                writes.forEach(CompletableFuture::join);
                assertThat(first.keys().ofTenant("acme")).hasSize(120);
                assertThat(second.audit().head().seq()).isEqualTo(120);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void operatorKeysSettingsAndBindingsRoundTripAndBumpTheVersion(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            long v0 = store.version();
            String k = ApiKeyFormat.generate();
            store.operators().insert(new OperatorKey(ApiKeyFormat.keyId(k), "alice", PlatformRole.PLATFORM_AUDITOR,
                    HASHER.hashText(k), 10, 0));
            assertThatThrownBy(() -> store.operators().insert(new OperatorKey(ApiKeyFormat.keyId(k), "bob",
                    PlatformRole.PLATFORM_ADMIN, HASHER.hashText(k), 11, 0))).isInstanceOf(StoreException.Conflict.class);
            assertThat(store.operators().all()).singleElement().satisfies(o -> {
                assertThat(o.name()).isEqualTo("alice");
                assertThat(o.revoked()).isFalse();
            });
            assertThat(store.operators().revoke(ApiKeyFormat.keyId(k), 20)).isTrue();
            assertThat(store.operators().revoke(ApiKeyFormat.keyId(k), 21)).isFalse();
            assertThat(store.operators().all().get(0).revokedAtMs()).isEqualTo(20);

            assertThat(store.settings().put(new TenantSetting("acme", "budgets", "{\"a\":1}", 30))).isEmpty();
            assertThat(store.settings().put(new TenantSetting("acme", "budgets", "{\"a\":2}", 31))).hasValueSatisfying(
                    before -> assertThat(before.body()).isEqualTo("{\"a\":1}"));
            store.settings().put(new TenantSetting("globex", "auth", "{}", 32));
            assertThat(store.settings().all()).extracting(TenantSetting::tenantId, TenantSetting::kind, TenantSetting::body)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("acme", "budgets", "{\"a\":2}"),
                            org.assertj.core.groups.Tuple.tuple("globex", "auth", "{}"));
            assertThat(store.settings().delete("acme", "budgets")).isPresent();
            assertThat(store.settings().delete("acme", "budgets")).isEmpty();

            store.bindings().add(new RoleBinding("", "alice@corp", "platform-admin", 40));
            store.bindings().add(new RoleBinding("acme", "alice@corp", "tenant-admin", 41));
            assertThatThrownBy(() -> store.bindings().add(new RoleBinding("", "alice@corp", "platform-admin", 42)))
                    .isInstanceOf(StoreException.Conflict.class);
            assertThat(store.bindings().all()).extracting(RoleBinding::scope).containsExactly("", "acme");
            assertThat(store.bindings().remove("acme", "alice@corp", "tenant-admin")).isTrue();
            assertThat(store.bindings().remove("acme", "alice@corp", "tenant-admin")).isFalse();
            assertThat(store.version()).isGreaterThan(v0 + 8);
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void auditQueriesFilterAndPageNewestFirst(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            AuditChain chain = new AuditChain(new byte[32]);
            List<AuditEvent> events = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                events.add(new AuditEvent(1000 + i, i % 2 == 0 ? "acme" : "globex", "p", "request",
                        i % 5 == 0 ? "allow" : "deny", "r" + (i % 3), null, null, null));
            }
            store.audit().append(events, chain);
            List<AuditRecord> acme = store.audit().query(new AuditQuery("acme", null, null, null, null, 0, 0, 0, 5));
            assertThat(acme).extracting(AuditRecord::seq).containsExactly(25L, 23L, 21L, 19L, 17L);
            List<AuditRecord> next = store.audit().query(new AuditQuery("acme", null, null, null, null, 0, 0, 17, 100));
            assertThat(next).hasSize(8).allSatisfy(r -> assertThat(r.event().tenant()).isEqualTo("acme"));
            assertThat(store.audit().query(new AuditQuery(null, null, "allow", "r0", null, 0, 0, 0, 100)))
                    .extracting(AuditRecord::seq).containsExactly(16L, 1L);
            assertThat(store.audit().query(new AuditQuery(null, null, null, null, null, 1010, 1012, 0, 100))).hasSize(2);
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void spendSumsTheLedgerPerTenantOverAPeriod(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            List<UsageRecord> rows = new ArrayList<>();
            long minute = 60_000;
            for (int i = 0; i < 10; i++) {
                rows.add(new UsageRecord("r" + i, 100 * minute + i * minute + 7, i < 6 ? "acme" : "globex", "k", null,
                        "m", "eu", "chat", 10, 20, 30, 0, 1000 + i, 200, 5, false, false));
            }
            store.ledger().append(rows.subList(0, 4));
            store.ledger().append(rows.subList(4, 10)); // the rollup adds up across batches
            store.ledger().append(List.of(new UsageRecord("r10", 100 * minute + 30_000, "acme", "k", null, "m", "eu",
                    "chat", 1, 2, 3, 0, 3, 200, 5, false, false))); // same minute as r0: summed into its row
            assertThat(store.ledger().spend(100 * minute, 200 * minute)).containsExactly(new TenantSpend("acme", 7, 61, 122, 6018),
                    new TenantSpend("globex", 4, 40, 80, 4030));
            // whole minutes: [minute 105, minute 107) holds r5 (acme) and r6 (globex)
            assertThat(store.ledger().spend(105 * minute, 107 * minute)).containsExactly(new TenantSpend("acme", 1, 10, 20, 1005),
                    new TenantSpend("globex", 1, 10, 20, 1006));
            // the ledger itself keeps every row
            assertThat(store.ledger().usage("acme", 0, Long.MAX_VALUE)).hasSize(7);
        });
    }

    @org.junit.jupiter.api.Test
    void postgresWritesNotifyOtherConnectionsOnCommitOnly() throws Exception {
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        AtomicInteger changes = new AtomicInteger();
        try (ControlStore writer = ControlStores.open(url); ControlStore reader = ControlStores.open(url)) {
            AutoCloseable listening = reader.listen(changes::incrementAndGet);
            assertThat(listening).isNotNull();
            try {
                Thread.sleep(300); // LISTEN is registered
                writer.tenants().create(tenant("acme"));
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (changes.get() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(changes.get()).isEqualTo(1);
                assertThatThrownBy(() -> writer.tenants().create(tenant("acme"))).isInstanceOf(StoreException.Conflict.class);
                Thread.sleep(300);
                assertThat(changes.get()).as("a rolled-back write notifies nobody").isEqualTo(1);
            } finally {
                listening.close();
            }
        } finally {
            Databases.drop(url);
        }
        try (ControlStore sqlite = ControlStores.open(Databases.fresh(Databases.Kind.SQLITE))) {
            assertThat(sqlite.listen(() -> { })).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void jobsBelongToATenantAndASubjectAndFinishOnce(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            long v0 = store.version();
            String secret = HASHER.hashText("job-secret");
            store.jobs().insert(job("j1", "acme", "key1", secret, 10));
            store.jobs().insert(job("j2", "acme", "key2", secret, 20));
            store.jobs().insert(job("j3", "globex", "key3", secret, 30));
            assertThatThrownBy(() -> store.jobs().insert(job("j1", "globex", "k", secret, 1))).isInstanceOf(StoreException.Conflict.class);
            assertThat(store.jobs().find("globex", "j1")).as("another tenant's job is absent").isEmpty();
            assertThat(store.jobs().list("acme", null)).extracting(StoredJob::id).containsExactly("j2", "j1");
            assertThat(store.jobs().list("acme", "key1")).extracting(StoredJob::id).containsExactly("j1");
            assertThat(store.jobs().find("acme", "j1")).hasValueSatisfying(j -> {
                assertThat(j.resources()).isEqualTo(new StoredJob.Resources(2, 3_600_000, 9_000));
                assertThat(j.params()).isEqualTo("{\"epochs\":3}");
                assertThat(j.run()).isEqualTo(StoredJob.Run.NOT_STARTED);
            });

            // admission sees the tenant's active jobs, and refuses without storing
            assertThat(store.jobs().admit(job("j4", "acme", "key1", secret, 40), 0, 0, (active, day, month) -> {
                assertThat(active).extracting(StoredJob::id).containsExactlyInAnyOrder("j1", "j2");
                return "job_limit";
            }).refusal()).isEqualTo("job_limit");
            assertThat(store.jobs().find("acme", "j4")).isEmpty();
            assertThat(store.jobs().admit(job("j4", "acme", "key1", secret, 40), 0, 0, (active, day, month) -> null).job()).isNotNull();
            assertThat(store.jobs().activePools()).containsExactly("gpu");

            // a start marks the picked queued jobs running with their own secret hashes
            assertThat(store.jobs().start("gpu", 0, 41, poolJobs -> {
                assertThat(poolJobs).extracting(StoredJob::id).containsExactly("j1", "j2", "j3", "j4");
                return Map.of("j1", "started-hash");
            })).singleElement().satisfies(j -> {
                assertThat(j.state()).isEqualTo("running");
                assertThat(j.secretHash()).isEqualTo("started-hash");
                assertThat(j.run().startedAtMs()).isEqualTo(41);
            });
            assertThat(store.jobs().start("gpu", 0, 42, poolJobs -> Map.of("j1", "again"))).as("only queued jobs start").isEmpty();
            // reports are compare-and-set: of two made from the same record one counts
            assertThat(store.jobs().report("acme", "j1", 0, 5_000, 700, 42)).isTrue();
            assertThat(store.jobs().report("acme", "j1", 0, 6_000, 800, 42)).isFalse();
            assertThat(store.jobs().report("acme", "j2", 0, 6_000, 800, 42)).as("a queued job runs nothing").isFalse();
            assertThat(store.jobs().find("acme", "j1")).hasValueSatisfying(j ->
                    assertThat(j.run()).isEqualTo(new StoredJob.Run(41, 5_000, 700, 42)));
            assertThat(store.jobs().outstandingMicros("acme")).as("what acme's unfinished jobs reserved and were not charged")
                    .isEqualTo(3 * 9_000 - 700);
            assertThat(store.jobs().outstandingMicros("initech")).isZero();
            assertThat(store.jobs().outstandingGpuMs()).containsOnly(Map.entry("acme", 3 * 7_200_000L - 5_000),
                    Map.entry("globex", 7_200_000L));
            assertThat(store.jobs().update("acme", "j1", "running", "up-77", null, 41)).isTrue();
            assertThat(store.jobs().recordRenewal("acme", "j1", 42)).isTrue();
            assertThat(store.jobs().recordRenewal("globex", "j1", 43)).isFalse();
            assertThat(store.jobs().update("acme", "j1", "cancelled", null, "owner_key_revoked", 44)).isTrue();
            assertThat(store.jobs().update("acme", "j1", "running", null, null, 45)).as("finished jobs never change").isFalse();
            assertThat(store.jobs().recordRenewal("acme", "j1", 46)).isFalse();
            assertThat(store.jobs().ofPool("gpu", 100)).as("finished jobs started before the window leave it")
                    .extracting(StoredJob::id).containsExactly("j2", "j3", "j4");
            assertThat(store.jobs().ofPool("gpu", 0)).extracting(StoredJob::id).containsExactly("j1", "j2", "j3", "j4");
            assertThat(store.jobs().find("acme", "j1")).hasValueSatisfying(j -> {
                assertThat(j.state()).isEqualTo("cancelled");
                assertThat(j.upstreamJobId()).isEqualTo("up-77");
                assertThat(j.stopReason()).isEqualTo("owner_key_revoked");
                assertThat(j.renewals()).isEqualTo(1);
                assertThat(j.lastRenewalAtMs()).isEqualTo(42);
                assertThat(j.finished()).isTrue();
                assertThat(j.toString()).doesNotContain(secret).doesNotContain("started-hash");
                assertThat(j.placement()).isEqualTo(PLACED);
                assertThat(j.owner()).isEqualTo(owner("key1"));
            });
            assertThat(store.jobs().find("acme", "j2")).hasValueSatisfying(j -> assertThat(j.lastRenewalAtMs()).isZero());
            assertThat(store.jobs().forRenewal("j3")).hasValueSatisfying(j -> assertThat(j.tenantId()).isEqualTo("globex"));
            assertThat(store.jobs().forRenewal("j9")).isEmpty();
            assertThat(store.version()).as("jobs are not snapshot state").isEqualTo(v0);
        });
    }

    private static final StoredJob.Placement PLACED = new StoredJob.Placement("gpu", "eu-west", "http://127.0.0.1:9/v1");

    private static StoredJob job(String id, String tenant, String subject, String secretHash, long createdAtMs) {
        return new StoredJob(id, tenant, owner(subject), "training", "gpt-sim", PLACED, "queued", null, secretHash, null, 0, 0,
                createdAtMs, createdAtMs, new StoredJob.Resources(2, 3_600_000, 9_000), "{\"epochs\":3}", StoredJob.Run.NOT_STARTED);
    }

    private static StoredJob.Owner owner(String subject) {
        return new StoredJob.Owner(subject, "developer", "api_key");
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void filesPayloadsAndOwnersAreEachTenantsOwn(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            // files: chunks in order, a listing newest first and paged, every read scoped to its tenant
            store.files().create(new StoredFile("file-a", "acme", "upload", "batch", 0, StoredFile.UPLOADING, 1000));
            store.files().chunk("file-a", 0, "wenc1.k.x.y0");
            store.files().chunk("file-a", 1, "wenc1.k.x.y1");
            assertThat(store.files().find("acme", "file-a")).as("not listed while uploading").isEmpty();
            store.files().complete("acme", "file-a", "in.jsonl", "batch", 42);
            store.files().create(new StoredFile("file-b", "acme", "upload", "batch", 0, StoredFile.UPLOADING, 2000));
            store.files().complete("acme", "file-b", "b.jsonl", "fine-tune", 7);
            assertThat(store.files().find("acme", "file-a")).hasValueSatisfying(f -> {
                assertThat(f.filename()).isEqualTo("in.jsonl");
                assertThat(f.bytes()).isEqualTo(42);
            });
            assertThat(store.files().find("globex", "file-a")).isEmpty();
            assertThat(store.files().list("acme", null, null, 10)).extracting(StoredFile::id).containsExactly("file-b", "file-a");
            assertThat(store.files().list("acme", null, "file-b", 10)).extracting(StoredFile::id).containsExactly("file-a");
            assertThat(store.files().list("acme", "batch", null, 10)).extracting(StoredFile::id).containsExactly("file-a");
            assertThat(store.files().chunkOf("acme", "file-a", 1)).isEqualTo("wenc1.k.x.y1");
            assertThat(store.files().chunkOf("acme", "file-a", 2)).isNull();
            assertThat(store.files().chunkOf("globex", "file-a", 0)).isNull();
            assertThat(store.files().delete("globex", "file-a")).isFalse();
            assertThat(store.files().delete("acme", "file-a")).isTrue();
            assertThat(store.files().chunkOf("acme", "file-a", 0)).isNull();

            // payloads: scoped, paged newest first, expired ones swept, re-wrapped in place
            store.payloads().append(List.of(
                    new dev.warden.record.PayloadRecord("pl-1", "acme", "r1", 10, "k", "chat_completions", "m", 200, 100, "s1"),
                    new dev.warden.record.PayloadRecord("pl-2", "acme", "r2", 20, "k", "chat_completions", "m", 200, 5000, "s2")));
            assertThat(store.payloads().page("acme", 0, 10)).extracting(dev.warden.record.PayloadRecord::id).containsExactly("pl-2", "pl-1");
            assertThat(store.payloads().page("acme", 20, 10)).extracting(dev.warden.record.PayloadRecord::id).containsExactly("pl-1");
            assertThat(store.payloads().find("globex", "pl-1")).isEmpty();
            assertThat(store.payloads().rewrap(r -> r.id().equals("pl-2") ? new dev.warden.record.PayloadRecord(r.id(), r.tenant(),
                    r.requestId(), r.atMs(), r.principal(), r.operation(), r.model(), r.status(), r.expiresAtMs(), "s2'") : r)).isEqualTo(1);
            assertThat(store.payloads().find("acme", "pl-2")).hasValueSatisfying(r -> assertThat(r.sealed()).isEqualTo("s2'"));
            assertThat(store.payloads().deleteExpired(1000)).isEqualTo(1);
            assertThat(store.payloads().delete("globex", "pl-2")).isFalse();
            assertThat(store.payloads().deleteAll("acme")).isEqualTo(1);

            // owners: the first record stays, forgetting needs the owner
            OwnedObject a = new OwnedObject(OwnedObject.RESPONSE, "resp_1", "acme", "http://h:1", "eu", "gpt-sim", 1);
            assertThat(store.objects().record(a)).isTrue();
            assertThat(store.objects().record(new OwnedObject(OwnedObject.RESPONSE, "resp_1", "globex", "http://h:2", "us", "m", 2))).isFalse();
            assertThat(store.objects().find(OwnedObject.RESPONSE, "resp_1")).hasValue(a);
            store.objects().forget(OwnedObject.RESPONSE, "resp_1", "globex");
            assertThat(store.objects().find(OwnedObject.RESPONSE, "resp_1")).as("only its owner forgets it").isPresent();
            store.objects().forget(OwnedObject.RESPONSE, "resp_1", "acme");
            assertThat(store.objects().find(OwnedObject.RESPONSE, "resp_1")).isEmpty();
        });
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void batchesAreTheirTenantsAndOneRunnerHoldsEachAtATime(Databases.Kind kind) throws Exception {
        with(kind, (store, url) -> {
            store.batches().create(new StoredBatch("batch_1", "acme", "k", "key1", "sealed", "file-1", "/v1/chat/completions",
                    StoredBatch.IN_PROGRESS, 3, 0, 0, 0, null, "{\"a\":\"b\"}", 1000, 1000, 0, 0, 90_000));
            assertThat(store.batches().find("globex", "batch_1")).isEmpty();
            assertThat(store.batches().list("acme", 10)).extracting(StoredBatch::id).containsExactly("batch_1");
            assertThat(store.batches().claim("r1", 2000, 32_000)).hasValueSatisfying(b -> assertThat(b.id()).isEqualTo("batch_1"));
            assertThat(store.batches().claim("r2", 3000, 33_000)).as("held by r1 until its lease runs out").isEmpty();
            assertThat(store.batches().progress("batch_1", "r2", 1, 0, 1, "file-out", 40_000)).as("not r2's").isFalse();
            assertThat(store.batches().progress("batch_1", "r1", 2, 1, 3, "file-out", 40_000)).isTrue();
            assertThat(store.batches().cancel("globex", "batch_1", 5000)).isEmpty();
            assertThat(store.batches().cancel("acme", "batch_1", 5000)).hasValueSatisfying(b -> {
                assertThat(b.status()).isEqualTo(StoredBatch.CANCELLING);
                assertThat(b.nextLine()).isEqualTo(3);
                assertThat(b.outputFileId()).isEqualTo("file-out");
            });
            assertThat(store.batches().claim("r2", 41_000, 71_000)).as("a lease that ran out is taken over").isPresent();
            store.batches().finish("batch_1", "r2", StoredBatch.CANCELLED, 42_000);
            assertThat(store.batches().get("batch_1")).hasValueSatisfying(b -> {
                assertThat(b.status()).isEqualTo(StoredBatch.CANCELLED);
                assertThat(b.finishedAt()).isEqualTo(42_000);
                assertThat(b.finished()).isTrue();
            });
            assertThat(store.batches().claim("r3", 100_000, 130_000)).as("a finished batch is never claimed").isEmpty();
        });
    }
}
