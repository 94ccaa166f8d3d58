package dev.warden.store.jdbc;

import dev.warden.store.JobStore;
import dev.warden.store.StoreException;
import dev.warden.store.StoredJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link JobStore} over the {@code jobs} table; job writes bump no version (the snapshot does not
 * read jobs). Admissions and starts take the one row of {@code job_locks} first: PostgreSQL's row
 * lock (SQLite's write lock) makes every replica's decisions one at a time.
 */
final class JdbcJobs implements JobStore {
    private static final String ACTIVE = "state IN ('queued', 'running')";
    private final Jdbc jdbc;

    JdbcJobs(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Admitted admit(StoredJob job, long dayStartMs, long monthStartMs, Admission admission) {
        return jdbc.append("admit job", c -> {
            lock(c);
            List<StoredJob> active = Jdbc.rows(c, "SELECT * FROM jobs WHERE tenant_id = ? AND " + ACTIVE, JdbcJobs::job, job.tenantId());
            String refusal = admission.refusal(active, gpuMs(c, job.tenantId(), dayStartMs), gpuMs(c, job.tenantId(), monthStartMs));
            if (refusal != null) {
                return new Admitted(null, refusal);
            }
            insert(c, job);
            return new Admitted(job, null);
        });
    }

    @Override
    public StoredJob insert(StoredJob job) {
        return jdbc.append("insert job", c -> {
            insert(c, job);
            return job;
        });
    }

    @Override
    public List<StoredJob> start(String pool, long sinceMs, long nowMs, Starter starter) {
        return jdbc.append("start jobs", c -> {
            lock(c);
            Map<String, String> picked = starter.pick(ofPool(c, pool, sinceMs));
            List<StoredJob> started = new ArrayList<>(picked.size());
            for (Map.Entry<String, String> e : picked.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET state = 'running', started_at = ?, secret_hash = ?, "
                        + "updated_at = ? WHERE id = ? AND pool = ? AND state = 'queued'")) {
                    ps.setLong(1, nowMs);
                    ps.setString(2, e.getValue());
                    ps.setLong(3, nowMs);
                    ps.setString(4, e.getKey());
                    ps.setString(5, pool);
                    if (ps.executeUpdate() == 1) {
                        started.addAll(Jdbc.rows(c, "SELECT * FROM jobs WHERE id = ?", JdbcJobs::job, e.getKey()));
                    }
                }
            }
            return started;
        });
    }

    @Override
    public List<StoredJob> ofPool(String pool, long sinceMs) {
        return jdbc.read("read pool jobs", c -> ofPool(c, pool, sinceMs));
    }

    @Override
    public List<String> activePools() {
        return jdbc.read("read queues", c -> Jdbc.rows(c, "SELECT DISTINCT pool FROM jobs WHERE " + ACTIVE, rs -> rs.getString(1)));
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
    public boolean update(String tenantId, String jobId, String state, String upstreamJobId, String stopReason, long atMs) {
        if (!StoredJob.STATES.contains(state)) {
            throw new IllegalArgumentException("state: " + state);
        }
        return jdbc.append("update job", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET state = ?, upstream_job_id = COALESCE(?, upstream_job_id), "
                    + "stop_reason = COALESCE(?, stop_reason), updated_at = ? WHERE tenant_id = ? AND id = ? AND " + ACTIVE)) {
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
    public boolean report(String tenantId, String jobId, long fromGpuMs, long usedGpuMs, long chargedMicros, long atMs) {
        return jdbc.append("report job", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET used_gpu_ms = ?, charged_micros = ?, last_report_at = ?, "
                    + "updated_at = ? WHERE tenant_id = ? AND id = ? AND state = 'running' AND used_gpu_ms = ?")) {
                ps.setLong(1, usedGpuMs);
                ps.setLong(2, chargedMicros);
                ps.setLong(3, atMs);
                ps.setLong(4, atMs);
                ps.setString(5, tenantId);
                ps.setString(6, jobId);
                ps.setLong(7, fromGpuMs);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean recordRenewal(String tenantId, String jobId, long atMs) {
        return jdbc.append("record renewal", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET renewals = renewals + 1, last_renewal_at = ?, "
                    + "updated_at = ? WHERE tenant_id = ? AND id = ? AND " + ACTIVE)) {
                ps.setLong(1, atMs);
                ps.setLong(2, atMs);
                ps.setString(3, tenantId);
                ps.setString(4, jobId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Takes the job lock: every replica's admissions and starts, one at a time, until this transaction ends. */
    private static void lock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE job_locks SET name = name WHERE name = 'jobs'")) {
            ps.executeUpdate();
        }
    }

    private static List<StoredJob> ofPool(Connection c, String pool, long sinceMs) throws SQLException {
        List<StoredJob> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM jobs WHERE pool = ? AND (" + ACTIVE
                + " OR started_at >= ?) ORDER BY created_at, id")) {
            ps.setString(1, pool);
            ps.setLong(2, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(job(rs));
                }
            }
        }
        return out;
    }

    @Override
    public long outstandingMicros(String tenantId) {
        return jdbc.read("read job reservations", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(reserved_micros - charged_micros), 0) FROM jobs "
                    + "WHERE tenant_id = ? AND " + ACTIVE + " AND reserved_micros > charged_micros")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public Map<String, long[]> poolLoad() {
        return jdbc.read("read pool jobs", c -> {
            Map<String, long[]> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT pool, state, SUM(gpus), COUNT(*) FROM jobs WHERE " + ACTIVE
                    + " GROUP BY pool, state"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] load = out.computeIfAbsent(rs.getString(1), p -> new long[3]);
                    if (rs.getString(2).equals("running")) {
                        load[0] += rs.getLong(3);
                    } else {
                        load[1] += rs.getLong(3);
                        load[2] += rs.getLong(4);
                    }
                }
            }
            return out;
        });
    }

    @Override
    public Map<String, Long> outstandingGpuMs() {
        return jdbc.read("read job gpu time", c -> {
            Map<String, Long> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant_id, SUM(gpus * max_ms - used_gpu_ms) FROM jobs WHERE "
                    + ACTIVE + " GROUP BY tenant_id"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), Math.max(0, rs.getLong(2)));
                }
            }
            return out;
        });
    }

    /** The GPU time the ledger holds for a tenant since {@code fromMs}. */
    private static long gpuMs(Connection c, String tenantId, long fromMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(gpu_ms), 0) FROM usage_ledger WHERE tenant = ? AND at_ms >= ?")) {
            ps.setString(1, tenantId);
            ps.setLong(2, fromMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void insert(Connection c, StoredJob j) throws SQLException {
        if (Jdbc.exists(c, "SELECT 1 FROM jobs WHERE id = ?", j.id())) {
            throw new StoreException.Conflict("job " + j.id() + " exists");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO jobs (id, tenant_id, subject, kind, model, state, "
                + "upstream_job_id, secret_hash, stop_reason, renewals, last_renewal_at, created_at, updated_at, "
                + "pool, region, upstream_url, owner_role, owner_method, gpus, max_ms, params, started_at, used_gpu_ms, "
                + "charged_micros, last_report_at, reserved_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
            ps.setInt(19, j.resources().gpus());
            ps.setLong(20, j.resources().maxMs());
            ps.setString(21, j.params());
            Jdbc.setPositiveOrNull(ps, 22, j.run().startedAtMs());
            ps.setLong(23, j.run().usedGpuMs());
            ps.setLong(24, j.run().chargedMicros());
            Jdbc.setPositiveOrNull(ps, 25, j.run().lastReportAtMs());
            ps.setLong(26, j.resources().reservedMicros());
            ps.executeUpdate();
        }
    }

    private static StoredJob job(ResultSet rs) throws SQLException {
        return new StoredJob(rs.getString("id"), rs.getString("tenant_id"),
                new StoredJob.Owner(rs.getString("subject"), rs.getString("owner_role"), rs.getString("owner_method")),
                rs.getString("kind"), rs.getString("model"),
                new StoredJob.Placement(rs.getString("pool"), rs.getString("region"), rs.getString("upstream_url")),
                rs.getString("state"), rs.getString("upstream_job_id"), rs.getString("secret_hash"),
                rs.getString("stop_reason"), rs.getLong("renewals"), Jdbc.longOrZero(rs, "last_renewal_at"), rs.getLong("created_at"),
                rs.getLong("updated_at"), new StoredJob.Resources(rs.getInt("gpus"), rs.getLong("max_ms"), rs.getLong("reserved_micros")), rs.getString("params"),
                new StoredJob.Run(Jdbc.longOrZero(rs, "started_at"), rs.getLong("used_gpu_ms"), rs.getLong("charged_micros"),
                        Jdbc.longOrZero(rs, "last_report_at")));
    }
}
