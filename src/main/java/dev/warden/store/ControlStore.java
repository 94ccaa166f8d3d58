package dev.warden.store;

import java.util.List;
import java.util.Optional;

/**
 * The durable, shared state every replica reads: tenants created at run time and API keys
 * (hashes only). Every method blocks on JDBC: call it from a worker or virtual thread, never from
 * an event loop. Every write bumps {@link #version()}, so replicas can poll cheaply for changes.
 */
public interface ControlStore extends AutoCloseable {

    /** Creates a tenant; fails with {@link StoreException.Conflict} if the id is taken. */
    StoredTenant createTenant(StoredTenant tenant);

    Optional<StoredTenant> tenant(String id);

    List<StoredTenant> tenants();

    /** Replaces a tenant's settings; fails with {@link StoreException.NotFound} if it does not exist. */
    StoredTenant updateTenant(StoredTenant tenant);

    /** Stores a new key; fails with {@link StoreException.Conflict} if the key id is taken. */
    StoredKey insertKey(StoredKey key);

    /** Every key, revoked ones included (listings show them; the data plane skips them). */
    List<StoredKey> keys();

    List<StoredKey> keys(String tenantId);

    /**
     * Ends a key at {@code atMs} (now, or later for a rotation's overlap); false if there was no such
     * key of that tenant still valid at {@code atMs}. A key's end only ever moves earlier.
     */
    boolean revokeKey(String tenantId, String keyId, long atMs);

    /** Records keys' last use (key id -> epoch ms; only ever moves forward). Not a snapshot change: no version bump. */
    void touchKeys(java.util.Map<String, Long> lastUsed);

    /** A number that grows with every write of tenants, keys, operators, settings or bindings (not of audit or usage). */
    long version();

    /**
     * Appends events to the hash-chained audit log in one transaction (the chain's head row is
     * locked for it, so replicas sharing a store extend one chain). Returns the last sequence number.
     */
    long appendAudit(List<dev.warden.audit.AuditEvent> events, dev.warden.audit.AuditChain chain);

    /** Every audit record, in sequence order. */
    List<dev.warden.audit.AuditRecord> auditRecords();

    /** The audit head: the last sequence number and MAC, as {@code [seq, mac]}. */
    AuditHead auditHead();

    /** Appends usage rows in one transaction. */
    void appendUsage(List<dev.warden.usage.UsageRecord> rows);

    /** A tenant's usage rows in {@code [fromMs, toMs)}, oldest first. */
    List<dev.warden.usage.UsageRecord> usage(String tenantId, long fromMs, long toMs);

    /** Audit records matching the query, newest first. */
    List<dev.warden.audit.AuditRecord> auditRecords(AuditQuery query);

    /**
     * Usage summed per tenant over {@code [fromMs, toMs)}, in whole minutes: the minute holding
     * {@code fromMs} up to and including the minute holding {@code toMs - 1} (read from the
     * per-minute rollup, not from every ledger row).
     */
    List<TenantSpend> spend(long fromMs, long toMs);

    // ---------------------------------------------------------------- platform operators

    /** Stores a new operator key; {@link StoreException.Conflict} if the key id is taken. */
    OperatorKey insertOperatorKey(OperatorKey key);

    /** Every operator key, revoked ones included. */
    List<OperatorKey> operatorKeys();

    /** Marks an operator key revoked; false if there was no such valid key. */
    boolean revokeOperatorKey(String keyId, long atMs);

    // ---------------------------------------------------------------- tenant settings

    /** Stores (or replaces) one kind of a tenant's settings; returns the previous one, if any. */
    Optional<TenantSetting> putSetting(TenantSetting setting);

    /** Removes one kind of a tenant's settings; returns what was removed, if anything. */
    Optional<TenantSetting> deleteSetting(String tenantId, String kind);

    /** Every stored setting of every tenant. */
    List<TenantSetting> settings();

    /** One tenant's stored settings, by kind. */
    List<TenantSetting> settings(String tenantId);

    /** One kind of one tenant's settings, if stored. */
    Optional<TenantSetting> setting(String tenantId, String kind);

    // ---------------------------------------------------------------- role bindings

    /** Adds a binding; {@link StoreException.Conflict} if it exists. */
    RoleBinding addBinding(RoleBinding binding);

    /** Removes a binding; false if there was none. */
    boolean removeBinding(String scope, String subject, String role);

    List<RoleBinding> bindings();

    // ---------------------------------------------------------------- jobs

    int JOB_LIST_LIMIT = 200;

    /** Stores a new job; {@link StoreException.Conflict} if the id is taken. Not a snapshot change: no version bump. */
    StoredJob insertJob(StoredJob job);

    /** A tenant's job (another tenant's id is as absent as an unknown one). */
    Optional<StoredJob> job(String tenantId, String jobId);

    /**
     * A job by id alone, whatever its tenant: only for the renewal endpoint, where the caller has
     * no tenant to name and proves itself with the job's own secret (checked against this record).
     */
    Optional<StoredJob> jobForRenewal(String jobId);

    /** A tenant's jobs, newest first (at most {@value #JOB_LIST_LIMIT}); only {@code subject}'s when it is not null. */
    List<StoredJob> jobs(String tenantId, String subject);

    /**
     * Moves an unfinished job to {@code state} (with the upstream's id and a stop reason when given);
     * false if there is no such unfinished job of that tenant. A finished job never changes again.
     */
    boolean updateJob(String tenantId, String jobId, String state, String upstreamJobId, String stopReason, long atMs);

    /** How many of a tenant's jobs are queued or running. */
    int activeJobs(String tenantId);

    /** Counts one credential renewal of an unfinished (queued or running) job; false if it has finished. */
    boolean recordRenewal(String tenantId, String jobId, long atMs);

    /** The last sequence number and MAC of the audit chain. */
    record AuditHead(long seq, String mac) {
    }

    /**
     * Calls {@code onChange} soon after any replica's write is committed, where the database can
     * push (PostgreSQL LISTEN/NOTIFY); returns null where it cannot (SQLite: one process, polling).
     */
    default AutoCloseable listen(Runnable onChange) {
        return null;
    }

    @Override
    void close();
}
