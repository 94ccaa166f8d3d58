package dev.warden.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.warden.record.AuditLog;
import dev.warden.record.Ledger;
import dev.warden.record.PayloadLog;
import dev.warden.store.BatchStore;
import dev.warden.store.BindingStore;
import dev.warden.store.ConnectionPoolState;
import dev.warden.store.ControlStore;
import dev.warden.store.FileStore;
import dev.warden.store.JobStore;
import dev.warden.store.KeyStore;
import dev.warden.store.ObjectOwners;
import dev.warden.store.OperatorStore;
import dev.warden.store.SettingStore;
import dev.warden.store.StoreException;
import dev.warden.store.TenantStore;
import javax.sql.DataSource;

/**
 * {@link ControlStore} over JDBC, one SQL dialect for SQLite and PostgreSQL (the schema is in
 * {@code db/migration}): one part per kind of record, all on one pool ({@link Jdbc}). Each
 * snapshot-changing write is one transaction that also bumps the store version.
 */
final class JdbcControlStore implements ControlStore {
    private final Jdbc jdbc;
    private final DataSource dataSource;
    private final AutoCloseable onClose;
    /** The PostgreSQL URL (writes notify, listeners connect to it); null on SQLite. */
    private final String postgresUrl;
    private final TenantStore tenants;
    private final KeyStore keys;
    private final OperatorStore operators;
    private final SettingStore settings;
    private final BindingStore bindings;
    private final JobStore jobs;
    private final AuditLog audit;
    private final Ledger ledger;
    private final PayloadLog payloads;
    private final ObjectOwners objects;
    private final FileStore files;
    private final BatchStore batches;

    JdbcControlStore(DataSource dataSource, AutoCloseable onClose, String postgresUrl) {
        this.dataSource = dataSource;
        this.jdbc = new Jdbc(dataSource, postgresUrl != null);
        this.onClose = onClose;
        this.postgresUrl = postgresUrl;
        this.tenants = new JdbcTenants(jdbc);
        this.keys = new JdbcKeys(jdbc);
        this.operators = new JdbcOperators(jdbc);
        this.settings = new JdbcSettings(jdbc);
        this.bindings = new JdbcBindings(jdbc);
        this.jobs = new JdbcJobs(jdbc);
        this.audit = new JdbcAuditLog(jdbc);
        this.ledger = new JdbcLedger(jdbc);
        this.payloads = new JdbcPayloads(jdbc);
        this.objects = new JdbcObjectOwners(jdbc);
        this.files = new JdbcFiles(jdbc);
        this.batches = new JdbcBatches(jdbc);
    }

    @Override
    public TenantStore tenants() {
        return tenants;
    }

    @Override
    public KeyStore keys() {
        return keys;
    }

    @Override
    public OperatorStore operators() {
        return operators;
    }

    @Override
    public SettingStore settings() {
        return settings;
    }

    @Override
    public BindingStore bindings() {
        return bindings;
    }

    @Override
    public JobStore jobs() {
        return jobs;
    }

    @Override
    public AuditLog audit() {
        return audit;
    }

    @Override
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public BatchStore batches() {
        return batches;
    }

    @Override
    public FileStore files() {
        return files;
    }

    @Override
    public ObjectOwners objects() {
        return objects;
    }

    @Override
    public PayloadLog payloads() {
        return payloads;
    }

    @Override
    public long version() {
        return jdbc.version();
    }

    @Override
    public AutoCloseable listen(Runnable onChange) {
        return postgresUrl == null ? null : new PgChangeListener(postgresUrl, onChange).start();
    }

    @Override
    public ConnectionPoolState connectionPool() {
        if (!(dataSource instanceof HikariDataSource hikari) || hikari.getHikariPoolMXBean() == null) {
            return null;
        }
        var pool = hikari.getHikariPoolMXBean();
        return new ConnectionPoolState(pool.getActiveConnections(), pool.getIdleConnections(), hikari.getMaximumPoolSize(),
                pool.getThreadsAwaitingConnection());
    }

    @Override
    public void close() {
        try {
            onClose.close();
        } catch (Exception e) {
            throw new StoreException("close failed", e);
        }
    }
}
