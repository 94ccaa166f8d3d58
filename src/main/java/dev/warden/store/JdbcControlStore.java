package dev.warden.store;

import dev.warden.audit.AuditChain;
import dev.warden.audit.AuditEvent;
import dev.warden.audit.AuditRecord;
import dev.warden.config.PlatformRole;
import dev.warden.config.Role;
import dev.warden.usage.UsageRecord;
import dev.warden.config.TenantStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link ControlStore} over JDBC, one SQL dialect for SQLite and PostgreSQL (the schema is in
 * {@code db/migration}). Each write is one transaction that also bumps the store version.
 */
final class JdbcControlStore implements ControlStore {
    private final DataSource dataSource;
    private final AutoCloseable onClose;
    /** The PostgreSQL URL (writes notify, listeners connect to it); null on SQLite. */
    private final String postgresUrl;

    JdbcControlStore(DataSource dataSource, AutoCloseable onClose, String postgresUrl) {
        this.dataSource = dataSource;
        this.onClose = onClose;
        this.postgresUrl = postgresUrl;
    }

    @Override
    public AutoCloseable listen(Runnable onChange) {
        return postgresUrl == null ? null : new PgChangeListener(postgresUrl, onChange).start();
    }

    @Override
    public StoredTenant createTenant(StoredTenant t) {
        return write("create tenant " + t.id(), c -> {
            if (exists(c, "SELECT 1 FROM tenants WHERE id = ?", t.id())) {
                throw new StoreException.Conflict("tenant " + t.id() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tenants (id, tier, regions, models, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, t.id());
                ps.setString(2, t.tier());
                ps.setString(3, String.join(",", t.regions()));
                ps.setString(4, String.join(",", t.models()));
                ps.setString(5, t.status().name().toLowerCase(Locale.ROOT));
                ps.setLong(6, t.createdAtMs());
                ps.setLong(7, t.updatedAtMs());
                ps.executeUpdate();
            }
            return t;
        });
    }

    @Override
    public Optional<StoredTenant> tenant(String id) {
        return read("read tenant", c -> {
            List<StoredTenant> found = tenants(c, "SELECT * FROM tenants WHERE id = ?", id);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public List<StoredTenant> tenants() {
        return read("list tenants", c -> tenants(c, "SELECT * FROM tenants ORDER BY id"));
    }

    @Override
    public StoredTenant updateTenant(StoredTenant t) {
        return write("update tenant " + t.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tenants SET tier = ?, regions = ?, models = ?, status = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, t.tier());
                ps.setString(2, String.join(",", t.regions()));
                ps.setString(3, String.join(",", t.models()));
                ps.setString(4, t.status().name().toLowerCase(Locale.ROOT));
                ps.setLong(5, t.updatedAtMs());
                ps.setString(6, t.id());
                if (ps.executeUpdate() == 0) {
                    throw new StoreException.NotFound("tenant " + t.id());
                }
            }
            return t;
        });
    }

    @Override
    public StoredKey insertKey(StoredKey k) {
        return write("insert key " + k.keyId(), c -> {
            if (exists(c, "SELECT 1 FROM api_keys WHERE key_id = ?", k.keyId())
                    || exists(c, "SELECT 1 FROM operator_keys WHERE key_id = ?", k.keyId())) {
                throw new StoreException.Conflict("key id " + k.keyId() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO api_keys (key_id, tenant_id, role, models, key_hash, created_at, revoked_at, expires_at) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, k.keyId());
                ps.setString(2, k.tenantId());
                ps.setString(3, k.role().id());
                ps.setString(4, k.models() == null ? null : String.join(",", k.models()));
                ps.setString(5, k.hashText());
                ps.setLong(6, k.createdAtMs());
                if (k.revoked()) {
                    ps.setLong(7, k.revokedAtMs());
                } else {
                    ps.setNull(7, java.sql.Types.BIGINT);
                }
                if (k.expiresAtMs() > 0) {
                    ps.setLong(8, k.expiresAtMs());
                } else {
                    ps.setNull(8, java.sql.Types.BIGINT);
                }
                ps.executeUpdate();
            }
            return k;
        });
    }

    @Override
    public List<StoredKey> keys() {
        return read("list keys", c -> keys(c, "SELECT * FROM api_keys ORDER BY tenant_id, created_at, key_id"));
    }

    @Override
    public List<StoredKey> keys(String tenantId) {
        return read("list keys", c -> keys(c, "SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, key_id", tenantId));
    }

    @Override
    public boolean revokeKey(String tenantId, String keyId, long atMs) {
        return write("revoke key " + keyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND tenant_id = ? AND (revoked_at IS NULL OR revoked_at > ?)")) {
                // A revocation only ever moves a key's end earlier (a rotation's overlap can be cut short, never extended).
                ps.setLong(1, atMs);
                ps.setString(2, keyId);
                ps.setString(3, tenantId);
                ps.setLong(4, atMs);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void touchKeys(java.util.Map<String, Long> lastUsed) {
        if (lastUsed.isEmpty()) {
            return;
        }
        transaction("record key use", false, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET last_used_at = ? WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                for (java.util.Map.Entry<String, Long> e : lastUsed.entrySet()) {
                    ps.setLong(1, e.getValue());
                    ps.setString(2, e.getKey());
                    ps.setLong(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public long version() {
        return read("read version", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM store_version WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public long appendAudit(List<AuditEvent> events, AuditChain chain) {
        return transaction("append audit", false, c -> {
            try (PreparedStatement lock = c.prepareStatement("UPDATE audit_head SET seq = seq WHERE id = 1")) {
                lock.executeUpdate(); // takes the head's row lock (PostgreSQL) or the write lock (SQLite)
            }
            long seq;
            String mac;
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, mac FROM audit_head WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
                mac = rs.getString(2);
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO audit_log (seq, at_ms, tenant, principal, action, "
                    + "decision, reason, request_id, source, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (AuditEvent e : events) {
                    seq++;
                    mac = chain.mac(mac, seq, e);
                    ins.setLong(1, seq);
                    ins.setLong(2, e.atMs());
                    ins.setString(3, e.tenant());
                    ins.setString(4, e.principal());
                    ins.setString(5, e.action());
                    ins.setString(6, e.decision());
                    ins.setString(7, e.reason());
                    ins.setString(8, e.requestId());
                    ins.setString(9, e.source());
                    ins.setString(10, e.detail());
                    ins.setString(11, mac);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            try (PreparedStatement head = c.prepareStatement("UPDATE audit_head SET seq = ?, mac = ? WHERE id = 1")) {
                head.setLong(1, seq);
                head.setString(2, mac);
                head.executeUpdate();
            }
            return seq;
        });
    }

    @Override
    public List<AuditRecord> auditRecords() {
        return read("read audit", c -> {
            List<AuditRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM audit_log ORDER BY seq");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(auditRecord(rs));
                }
            }
            return out;
        });
    }

    /** Rows per multi-row INSERT: one statement per 100 rows instead of one step per row (15 x 100 parameters). */
    private static final int USAGE_ROWS_PER_INSERT = 100;
    private static final String USAGE_INSERT = "INSERT INTO usage_ledger (request_id, at_ms, tenant, key_id, subject, "
            + "model, region, operation, input_tokens, output_tokens, cost_micros, status, latency_ms, cache_hit, aborted) VALUES ";
    private static final String USAGE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    @Override
    public void appendUsage(List<UsageRecord> rows) {
        transaction("append usage", false, c -> {
            for (int from = 0; from < rows.size(); from += USAGE_ROWS_PER_INSERT) {
                List<UsageRecord> chunk = rows.subList(from, Math.min(rows.size(), from + USAGE_ROWS_PER_INSERT));
                StringBuilder sql = new StringBuilder(USAGE_INSERT.length() + chunk.size() * (USAGE_ROW.length() + 2)).append(USAGE_INSERT);
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append(USAGE_ROW);
                }
                try (PreparedStatement ins = c.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (UsageRecord u : chunk) {
                        ins.setString(p++, u.requestId());
                        ins.setLong(p++, u.atMs());
                        ins.setString(p++, u.tenant());
                        ins.setString(p++, u.keyId());
                        ins.setString(p++, u.subject());
                        ins.setString(p++, u.model());
                        ins.setString(p++, u.region());
                        ins.setString(p++, u.operation());
                        ins.setLong(p++, u.inputTokens());
                        ins.setLong(p++, u.outputTokens());
                        ins.setLong(p++, u.costMicros());
                        ins.setInt(p++, u.status());
                        ins.setLong(p++, u.latencyMs());
                        ins.setInt(p++, u.cacheHit() ? 1 : 0);
                        ins.setInt(p++, u.aborted() ? 1 : 0);
                    }
                    ins.executeUpdate();
                }
            }
            upsertRollup(c, rows);
            return null;
        });
    }

    /** Adds the batch to the per-tenant, per-minute sums, in the ledger rows' transaction. */
    private static void upsertRollup(Connection c, List<UsageRecord> rows) throws SQLException {
        record Minute(String tenant, long minute) {
        }
        java.util.Map<Minute, long[]> sums = new java.util.LinkedHashMap<>();
        for (UsageRecord u : rows) {
            long[] s = sums.computeIfAbsent(new Minute(u.tenant(), u.atMs() / 60_000), k -> new long[4]);
            s[0]++;
            s[1] += u.inputTokens();
            s[2] += u.outputTokens();
            s[3] += u.costMicros();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_rollup (tenant, minute, requests, input_tokens, "
                + "output_tokens, cost_micros) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, minute) DO UPDATE SET "
                + "requests = usage_rollup.requests + excluded.requests, input_tokens = usage_rollup.input_tokens + excluded.input_tokens, "
                + "output_tokens = usage_rollup.output_tokens + excluded.output_tokens, "
                + "cost_micros = usage_rollup.cost_micros + excluded.cost_micros")) {
            for (java.util.Map.Entry<Minute, long[]> e : sums.entrySet()) {
                ps.setString(1, e.getKey().tenant());
                ps.setLong(2, e.getKey().minute());
                ps.setLong(3, e.getValue()[0]);
                ps.setLong(4, e.getValue()[1]);
                ps.setLong(5, e.getValue()[2]);
                ps.setLong(6, e.getValue()[3]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<UsageRecord> usage(String tenantId, long fromMs, long toMs) {
        return read("read usage", c -> {
            List<UsageRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT * FROM usage_ledger WHERE tenant = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, request_id")) {
                ps.setString(1, tenantId);
                ps.setLong(2, fromMs);
                ps.setLong(3, toMs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new UsageRecord(rs.getString("request_id"), rs.getLong("at_ms"), rs.getString("tenant"),
                                rs.getString("key_id"), rs.getString("subject"), rs.getString("model"), rs.getString("region"),
                                rs.getString("operation"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                                rs.getLong("cost_micros"), rs.getInt("status"), rs.getLong("latency_ms"), rs.getInt("cache_hit") == 1,
                                rs.getInt("aborted") == 1));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<AuditRecord> auditRecords(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        filter(sql, args, "tenant", q.tenant());
        filter(sql, args, "action", q.action());
        filter(sql, args, "decision", q.decision());
        filter(sql, args, "reason", q.reason());
        filter(sql, args, "principal", q.principal());
        if (q.fromMs() > 0) {
            sql.append(" AND at_ms >= ?");
            args.add(q.fromMs());
        }
        if (q.toMs() > 0) {
            sql.append(" AND at_ms < ?");
            args.add(q.toMs());
        }
        if (q.beforeSeq() > 0) {
            sql.append(" AND seq < ?");
            args.add(q.beforeSeq());
        }
        sql.append(" ORDER BY seq DESC LIMIT ").append(q.limit());
        return read("query audit", c -> {
            List<AuditRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(auditRecord(rs));
                    }
                }
            }
            return out;
        });
    }

    private static void filter(StringBuilder sql, List<Object> args, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }

    private static AuditRecord auditRecord(ResultSet rs) throws SQLException {
        return new AuditRecord(rs.getLong("seq"), new AuditEvent(rs.getLong("at_ms"), rs.getString("tenant"),
                rs.getString("principal"), rs.getString("action"), rs.getString("decision"), rs.getString("reason"),
                rs.getString("request_id"), rs.getString("source"), rs.getString("detail")), rs.getString("mac"));
    }

    @Override
    public List<TenantSpend> spend(long fromMs, long toMs) {
        return read("sum usage", c -> {
            List<TenantSpend> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant, SUM(requests), SUM(input_tokens), SUM(output_tokens), "
                    + "SUM(cost_micros) FROM usage_rollup WHERE minute >= ? AND minute < ? GROUP BY tenant ORDER BY tenant")) {
                ps.setLong(1, Math.floorDiv(fromMs, 60_000L));
                ps.setLong(2, Math.floorDiv(Math.min(toMs, Long.MAX_VALUE - 60_000L) + 59_999L, 60_000L)); // "until forever" must not overflow
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TenantSpend(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public OperatorKey insertOperatorKey(OperatorKey k) {
        return write("insert operator key " + k.keyId(), c -> {
            if (exists(c, "SELECT 1 FROM operator_keys WHERE key_id = ?", k.keyId())
                    || exists(c, "SELECT 1 FROM api_keys WHERE key_id = ?", k.keyId())) {
                throw new StoreException.Conflict("key id " + k.keyId() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO operator_keys (key_id, name, role, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)")) {
                ps.setString(1, k.keyId());
                ps.setString(2, k.name());
                ps.setString(3, k.role().id());
                ps.setString(4, k.hashText());
                ps.setLong(5, k.createdAtMs());
                ps.executeUpdate();
            }
            return k;
        });
    }

    @Override
    public List<OperatorKey> operatorKeys() {
        return read("list operator keys", c -> {
            List<OperatorKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_keys ORDER BY created_at, key_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long revoked = rs.getLong("revoked_at");
                    boolean valid = rs.wasNull();
                    PlatformRole role = PlatformRole.parse(rs.getString("role"));
                    if (role != null) {
                        out.add(new OperatorKey(rs.getString("key_id"), rs.getString("name"), role, rs.getString("key_hash"),
                                rs.getLong("created_at"), valid ? 0 : revoked));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public boolean revokeOperatorKey(String keyId, long atMs) {
        return write("revoke operator key " + keyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE operator_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL")) {
                ps.setLong(1, atMs);
                ps.setString(2, keyId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<TenantSetting> putSetting(TenantSetting s) {
        return write("store " + s.kind() + " of " + s.tenantId(), c -> {
            Optional<TenantSetting> before = setting(c, s.tenantId(), s.kind());
            String sql = before.isPresent()
                    ? "UPDATE tenant_settings SET body = ?, updated_at = ? WHERE tenant_id = ? AND kind = ?"
                    : "INSERT INTO tenant_settings (body, updated_at, tenant_id, kind) VALUES (?, ?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, s.body());
                ps.setLong(2, s.updatedAtMs());
                ps.setString(3, s.tenantId());
                ps.setString(4, s.kind());
                ps.executeUpdate();
            }
            return before;
        });
    }

    @Override
    public Optional<TenantSetting> deleteSetting(String tenantId, String kind) {
        return write("delete " + kind + " of " + tenantId, c -> {
            Optional<TenantSetting> before = setting(c, tenantId, kind);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tenant_settings WHERE tenant_id = ? AND kind = ?")) {
                ps.setString(1, tenantId);
                ps.setString(2, kind);
                ps.executeUpdate();
            }
            return before;
        });
    }

    private static Optional<TenantSetting> setting(Connection c, String tenantId, String kind) throws SQLException {
        List<TenantSetting> found = settings(c, "SELECT * FROM tenant_settings WHERE tenant_id = ? AND kind = ?", tenantId, kind);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    @Override
    public List<TenantSetting> settings() {
        return read("list settings", c -> settings(c, "SELECT * FROM tenant_settings ORDER BY tenant_id, kind"));
    }

    @Override
    public List<TenantSetting> settings(String tenantId) {
        return read("list settings", c -> settings(c, "SELECT * FROM tenant_settings WHERE tenant_id = ? ORDER BY kind", tenantId));
    }

    @Override
    public Optional<TenantSetting> setting(String tenantId, String kind) {
        return read("read setting", c -> setting(c, tenantId, kind));
    }

    private static List<TenantSetting> settings(Connection c, String sql, String... args) throws SQLException {
        List<TenantSetting> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TenantSetting(rs.getString("tenant_id"), rs.getString("kind"), rs.getString("body"),
                            rs.getLong("updated_at")));
                }
            }
        }
        return out;
    }

    @Override
    public RoleBinding addBinding(RoleBinding b) {
        return write("add role binding", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM role_bindings WHERE scope = ? AND subject = ? AND role = ?")) {
                ps.setString(1, b.scope());
                ps.setString(2, b.subject());
                ps.setString(3, b.role());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new StoreException.Conflict("binding exists");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO role_bindings (scope, subject, role, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, b.scope());
                ps.setString(2, b.subject());
                ps.setString(3, b.role());
                ps.setLong(4, b.createdAtMs());
                ps.executeUpdate();
            }
            return b;
        });
    }

    @Override
    public boolean removeBinding(String scope, String subject, String role) {
        return write("remove role binding", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM role_bindings WHERE scope = ? AND subject = ? AND role = ?")) {
                ps.setString(1, scope);
                ps.setString(2, subject);
                ps.setString(3, role);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<RoleBinding> bindings() {
        return read("list role bindings", c -> {
            List<RoleBinding> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM role_bindings ORDER BY scope, subject, role");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RoleBinding(rs.getString("scope"), rs.getString("subject"), rs.getString("role"),
                            rs.getLong("created_at")));
                }
            }
            return out;
        });
    }

    @Override
    public StoredJob insertJob(StoredJob j) {
        return transaction("insert job", false, c -> {
            if (exists(c, "SELECT 1 FROM jobs WHERE id = ?", j.id())) {
                throw new StoreException.Conflict("job " + j.id() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO jobs (id, tenant_id, subject, kind, model, state, "
                    + "upstream_job_id, secret_hash, stop_reason, renewals, last_renewal_at, created_at, updated_at, "
                    + "pool, region, upstream_url, owner_role, owner_method) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, j.id());
                ps.setString(2, j.tenantId());
                ps.setString(3, j.subject());
                ps.setString(4, j.kind());
                ps.setString(5, j.model());
                ps.setString(6, j.state());
                ps.setString(7, j.upstreamJobId());
                ps.setString(8, j.secretHash());
                ps.setString(9, j.stopReason());
                ps.setLong(10, j.renewals());
                if (j.lastRenewalAtMs() > 0) {
                    ps.setLong(11, j.lastRenewalAtMs());
                } else {
                    ps.setNull(11, java.sql.Types.BIGINT);
                }
                ps.setLong(12, j.createdAtMs());
                ps.setLong(13, j.updatedAtMs());
                ps.setString(14, j.placement().pool());
                ps.setString(15, j.placement().region());
                ps.setString(16, j.placement().upstreamUrl());
                ps.setString(17, j.owner().role());
                ps.setString(18, j.owner().method());
                ps.executeUpdate();
            }
            return j;
        });
    }

    @Override
    public Optional<StoredJob> job(String tenantId, String jobId) {
        return read("read job", c -> {
            List<StoredJob> found = jobs(c, "SELECT * FROM jobs WHERE tenant_id = ? AND id = ?", tenantId, jobId);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public Optional<StoredJob> jobForRenewal(String jobId) {
        return read("read job", c -> {
            List<StoredJob> found = jobs(c, "SELECT * FROM jobs WHERE id = ?", jobId);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public List<StoredJob> jobs(String tenantId, String subject) {
        return read("list jobs", c -> subject == null
                ? jobs(c, "SELECT * FROM jobs WHERE tenant_id = ? ORDER BY created_at DESC, id LIMIT " + JOB_LIST_LIMIT, tenantId)
                : jobs(c, "SELECT * FROM jobs WHERE tenant_id = ? AND subject = ? ORDER BY created_at DESC, id LIMIT " + JOB_LIST_LIMIT,
                        tenantId, subject));
    }

    @Override
    public int activeJobs(String tenantId) {
        return read("count jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM jobs WHERE tenant_id = ? AND state IN ('queued', 'running')")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public boolean updateJob(String tenantId, String jobId, String state, String upstreamJobId, String stopReason, long atMs) {
        if (!StoredJob.STATES.contains(state)) {
            throw new IllegalArgumentException("state: " + state);
        }
        return transaction("update job", false, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET state = ?, upstream_job_id = COALESCE(?, upstream_job_id), "
                    + "stop_reason = COALESCE(?, stop_reason), updated_at = ? WHERE tenant_id = ? AND id = ? "
                    + "AND state IN ('queued', 'running')")) {
                ps.setString(1, state);
                ps.setString(2, upstreamJobId);
                ps.setString(3, stopReason);
                ps.setLong(4, atMs);
                ps.setString(5, tenantId);
                ps.setString(6, jobId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean recordRenewal(String tenantId, String jobId, long atMs) {
        return transaction("record renewal", false, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET renewals = renewals + 1, last_renewal_at = ?, "
                    + "updated_at = ? WHERE tenant_id = ? AND id = ? AND state IN ('queued', 'running')")) {
                ps.setLong(1, atMs);
                ps.setLong(2, atMs);
                ps.setString(3, tenantId);
                ps.setString(4, jobId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static List<StoredJob> jobs(Connection c, String sql, String... args) throws SQLException {
        List<StoredJob> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long last = rs.getLong("last_renewal_at");
                    boolean noRenewal = rs.wasNull();
                    out.add(new StoredJob(rs.getString("id"), rs.getString("tenant_id"),
                            new StoredJob.Owner(rs.getString("subject"), rs.getString("owner_role"), rs.getString("owner_method")),
                            rs.getString("kind"), rs.getString("model"),
                            new StoredJob.Placement(rs.getString("pool"), rs.getString("region"), rs.getString("upstream_url")),
                            rs.getString("state"), rs.getString("upstream_job_id"), rs.getString("secret_hash"),
                            rs.getString("stop_reason"), rs.getLong("renewals"), noRenewal ? 0 : last, rs.getLong("created_at"),
                            rs.getLong("updated_at")));
                }
            }
        }
        return out;
    }

    @Override
    public AuditHead auditHead() {
        return read("read audit head", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, mac FROM audit_head WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new AuditHead(rs.getLong(1), rs.getString(2));
            }
        });
    }

    @Override
    public void close() {
        try {
            onClose.close();
        } catch (Exception e) {
            throw new StoreException("close failed", e);
        }
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** One transaction: the work and the version bump commit together or not at all. */
    private <T> T write(String what, Work<T> work) {
        return transaction(what, true, work);
    }

    private <T> T transaction(String what, boolean bumpVersion, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                if (bumpVersion) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE store_version SET version = version + 1 WHERE id = 1")) {
                        ps.executeUpdate();
                    }
                    if (postgresUrl != null) {
                        // Delivered to listeners when (and only if) this transaction commits.
                        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + PgChangeListener.CHANNEL + "', '')")) {
                            ps.executeQuery().close();
                        }
                    }
                }
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    private static boolean exists(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static List<StoredTenant> tenants(Connection c, String sql, String... args) throws SQLException {
        List<StoredTenant> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredTenant(rs.getString("id"), rs.getString("tier"), split(rs.getString("regions")),
                            split(rs.getString("models")), TenantStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                            rs.getLong("created_at"), rs.getLong("updated_at")));
                }
            }
        }
        return out;
    }

    private static List<StoredKey> keys(Connection c, String sql, String... args) throws SQLException {
        List<StoredKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String models = rs.getString("models");
                    long revoked = rs.getLong("revoked_at");
                    revoked = rs.wasNull() ? 0 : revoked;
                    long expires = rs.getLong("expires_at");
                    expires = rs.wasNull() ? 0 : expires;
                    long used = rs.getLong("last_used_at");
                    used = rs.wasNull() ? 0 : used;
                    out.add(new StoredKey(rs.getString("key_id"), rs.getString("tenant_id"), Role.parse(rs.getString("role")),
                            models == null ? null : split(models), rs.getString("key_hash"), rs.getLong("created_at"),
                            revoked, expires, used));
                }
            }
        }
        return out;
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
