package dev.warden.store;

import dev.warden.record.AuditLog;
import dev.warden.record.Ledger;
import dev.warden.record.PayloadLog;

/**
 * The durable, shared state every replica reads, one small interface per kind of record: tenants
 * created at run time, API keys (hashes only), operators, settings, role bindings, jobs, and the
 * audit log and usage ledger the gateway's writers append to. Every call blocks on JDBC: make it
 * from a worker or virtual thread, never from an event loop. Every write of tenants, keys,
 * operators, settings or bindings bumps {@link #version()}, so replicas can poll cheaply for changes.
 */
public interface ControlStore extends AutoCloseable {
    TenantStore tenants();

    KeyStore keys();

    OperatorStore operators();

    SettingStore settings();

    BindingStore bindings();

    JobStore jobs();

    AuditLog audit();

    Ledger ledger();

    /** Batches run by Warden over its own pools. */
    BatchStore batches();

    /** Files uploaded through {@code /v1/files}, sealed in chunks. */
    FileStore files();

    /** The owners of objects upstreams store for tenants (responses), and where each lives. */
    ObjectOwners objects();

    /** Logged payloads of tenants that opted in, sealed. */
    PayloadLog payloads();

    /** A number that grows with every write of tenants, keys, operators, settings or bindings (not of audit, usage or jobs). */
    long version();

    /**
     * Calls {@code onChange} soon after any replica's write is committed, where the database can
     * push (PostgreSQL LISTEN/NOTIFY); returns null where it cannot (SQLite: one process, polling).
     */
    default AutoCloseable listen(Runnable onChange) {
        return null;
    }

    /** The store's connection pool as it is now (for metrics); null where there is none. */
    default ConnectionPoolState connectionPool() {
        return null;
    }

    @Override
    void close();
}
