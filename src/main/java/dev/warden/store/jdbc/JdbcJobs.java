package dev.warden.store.jdbc;

import dev.warden.store.JobStore;
import dev.warden.store.StoreException;
import dev.warden.store.StoredJob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link JobStore} over the {@code jobs} table; job writes bump no version (the snapshot does not read jobs). */
final class JdbcJobs implements JobStore {
    private final Jdbc jdbc;

    JdbcJobs(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public StoredJob insert(StoredJob j) {
        return jdbc.append("insert job", c -> {
            if (Jdbc.exists(c, "SELECT 1 FROM jobs WHERE id = ?", j.id())) {
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
                Jdbc.setPositiveOrNull(ps, 11, j.lastRenewalAtMs());
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
    public Optional<StoredJob> find(String tenantId, String jobId) {
        return jdbc.read("read job", c -> Jdbc.rows(c, "SELECT * FROM jobs WHERE tenant_id = ? AND id = ?", JdbcJobs::job, tenantId, jobId)
                .stream().findFirst());
    }

    @Override
    public Optional<StoredJob> forRenewal(String jobId) {
        return jdbc.read("read job", c -> Jdbc.rows(c, "SELECT * FROM jobs WHERE id = ?", JdbcJobs::job, jobId).stream().findFirst());
    }

    @Override
    public List<StoredJob> list(String tenantId, String subject) {
        return jdbc.read("list jobs", c -> subject == null
                ? Jdbc.rows(c, "SELECT * FROM jobs WHERE tenant_id = ? ORDER BY created_at DESC, id LIMIT " + LIST_LIMIT, JdbcJobs::job, tenantId)
                : Jdbc.rows(c, "SELECT * FROM jobs WHERE tenant_id = ? AND subject = ? ORDER BY created_at DESC, id LIMIT " + LIST_LIMIT,
                        JdbcJobs::job, tenantId, subject));
    }

    @Override
    public int active(String tenantId) {
        return jdbc.read("count jobs", c -> {
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
    public boolean update(String tenantId, String jobId, String state, String upstreamJobId, String stopReason, long atMs) {
        if (!StoredJob.STATES.contains(state)) {
            throw new IllegalArgumentException("state: " + state);
        }
        return jdbc.append("update job", c -> {
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
        return jdbc.append("record renewal", c -> {
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

    private static StoredJob job(ResultSet rs) throws SQLException {
        return new StoredJob(rs.getString("id"), rs.getString("tenant_id"),
                new StoredJob.Owner(rs.getString("subject"), rs.getString("owner_role"), rs.getString("owner_method")),
                rs.getString("kind"), rs.getString("model"),
                new StoredJob.Placement(rs.getString("pool"), rs.getString("region"), rs.getString("upstream_url")),
                rs.getString("state"), rs.getString("upstream_job_id"), rs.getString("secret_hash"),
                rs.getString("stop_reason"), rs.getLong("renewals"), Jdbc.longOrZero(rs, "last_renewal_at"), rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }
}
