package dev.warden.app;

import dev.warden.admin.TenantAdmin;
import dev.warden.audit.AuditChain;
import dev.warden.audit.AuditWriter;
import dev.warden.config.KeyHasher;
import dev.warden.config.SnapshotHolder;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreSync;
import dev.warden.usage.LedgerWriter;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the gateway gets from the control store: the admin routes for tenants and keys, the audit
 * writer and the usage ledger writer. Absent (null) when Warden runs without a store.
 */
public record ControlPlane(TenantAdmin tenants, AuditWriter audit, LedgerWriter ledger) implements AutoCloseable {
    /** Audit queue: events wait here for the writer; past (queue - reserve) new requests are refused. */
    public static final int AUDIT_QUEUE = 50_000;
    public static final int AUDIT_RESERVE = 5_000;
    /** Usage ledger queue, same rule. */
    public static final int USAGE_QUEUE = 100_000;
    public static final int USAGE_RESERVE = 10_000;

    public ControlPlane {
        Objects.requireNonNull(tenants, "tenants");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(ledger, "ledger");
    }

    /** Starts the writers over {@code store} (the audit secret is {@code dataDir/audit.secret}). */
    public static ControlPlane start(Vertx vertx, ControlStore store, StoreSync sync, SnapshotHolder snapshots,
                                     KeyHasher hasher, Path dataDir) throws IOException {
        AuditWriter audit = new AuditWriter(store, new AuditChain(KeyHasher.secretFile(dataDir.resolve("audit.secret"))),
                AUDIT_QUEUE, AUDIT_RESERVE).start();
        LedgerWriter ledger = new LedgerWriter(store, USAGE_QUEUE, USAGE_RESERVE).start();
        return new ControlPlane(new TenantAdmin(vertx, store, sync, snapshots, hasher, audit), audit, ledger);
    }

    /** Writes what is queued, then stops the writers: a graceful stop loses no audit event nor usage row. */
    @Override
    public void close() {
        audit.close();
        ledger.close();
    }
}
