package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditLog;
import dev.warden.record.AuditVerifier;
import dev.warden.store.jdbc.ControlStores;
import dev.warden.testing.Databases;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The hash-chained audit log: appends, and every kind of tampering detected, on both databases. */
class AuditLogTest {
    private static final AuditChain CHAIN;

    static {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        CHAIN = new AuditChain(s);
    }

    private static List<AuditEvent> events(int n, String tag) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new AuditEvent(1000 + i, "acme", "k" + i, "data.chat_completions", "deny", "unauthenticated:" + tag,
                    "req" + i, "127.0.0.1", null));
        }
        return out;
    }

    private static AuditVerifier.Result verify(ControlStore store) {
        AuditLog.Head head = store.audit().head();
        return AuditVerifier.verify(store.audit().all(), head.seq(), head.mac(), CHAIN);
    }

    private static void sql(String url, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private interface Tamper {
        void run(String url) throws Exception;
    }

    private static void tampered(Databases.Kind kind, Tamper tamper, long expectedFirstBad) throws Exception {
        String url = Databases.fresh(kind);
        try (ControlStore store = ControlStores.open(url)) {
            store.audit().append(events(5, "a"), CHAIN);
            store.audit().append(events(5, "b"), CHAIN);
            assertThat(verify(store).ok()).isTrue();
            tamper.run(url);
            AuditVerifier.Result r = verify(store);
            assertThat(r.ok()).isFalse();
            assertThat(r.firstBadSeq()).isEqualTo(expectedFirstBad);
        } finally {
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void anIntactChainVerifiesAndReplicasExtendOneChain(Databases.Kind kind) throws Exception {
        String url = Databases.fresh(kind);
        try (ControlStore a = ControlStores.open(url); ControlStore b = ControlStores.open(url)) {
            List<CompletableFuture<Long>> writes = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ControlStore s = i % 2 == 0 ? a : b;
                String tag = "w" + i;
                writes.add(CompletableFuture.supplyAsync(() -> s.audit().append(events(3, tag), CHAIN)));
            }
            writes.forEach(CompletableFuture::join);
            AuditVerifier.Result r = verify(a);
            assertThat(r.ok()).as(r.problem()).isTrue();
            assertThat(r.records()).isEqualTo(30);
        } finally {
            Databases.drop(url);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void aDeletedRecordIsDetected(Databases.Kind kind) throws Exception {
        tampered(kind, url -> sql(url, "DELETE FROM audit_log WHERE seq = 4"), 4);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void anAlteredRecordIsDetected(Databases.Kind kind) throws Exception {
        tampered(kind, url -> sql(url, "UPDATE audit_log SET decision = 'allow' WHERE seq = 6"), 6);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void reorderedRecordsAreDetected(Databases.Kind kind) throws Exception {
        tampered(kind, url -> {
            sql(url, "UPDATE audit_log SET seq = 1000 WHERE seq = 2");
            sql(url, "UPDATE audit_log SET seq = 2 WHERE seq = 3");
            sql(url, "UPDATE audit_log SET seq = 3 WHERE seq = 1000");
        }, 2);
    }

    @ParameterizedTest
    @EnumSource(Databases.Kind.class)
    void aTruncatedTailIsDetected(Databases.Kind kind) throws Exception {
        tampered(kind, url -> sql(url, "DELETE FROM audit_log WHERE seq > 7"), 8);
    }
}
