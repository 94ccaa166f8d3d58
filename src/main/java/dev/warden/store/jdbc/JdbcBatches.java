package dev.warden.store.jdbc;

import dev.warden.store.BatchStore;
import dev.warden.store.StoredBatch;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link BatchStore} over the {@code batches} table. */
final class JdbcBatches implements BatchStore {
    private final Jdbc jdbc;

    JdbcBatches(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void create(StoredBatch b) {
        jdbc.append("create batch", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO batches (id, tenant_id, principal, key_id, sealed_key, input_file_id,"
                    + " endpoint, status, total, completed, failed, next_line, output_file_id, metadata, created_at, in_progress_at,"
                    + " finished_at, cancel_asked_at, expires_at, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)")) {
                ps.setString(1, b.id());
                ps.setString(2, b.tenantId());
                ps.setString(3, b.principal());
                ps.setString(4, b.keyId());
                ps.setString(5, b.sealedKey());
                ps.setString(6, b.inputFileId());
                ps.setString(7, b.endpoint());
                ps.setString(8, b.status());
                ps.setInt(9, b.total());
                ps.setInt(10, b.completed());
                ps.setInt(11, b.failed());
                ps.setInt(12, b.nextLine());
                ps.setString(13, b.outputFileId());
                ps.setString(14, b.metadata());
                ps.setLong(15, b.createdAt());
                ps.setLong(16, b.inProgressAt());
                ps.setLong(17, b.finishedAt());
                ps.setLong(18, b.cancelAskedAt());
                ps.setLong(19, b.expiresAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredBatch> find(String tenant, String id) {
        return jdbc.read("read batch", c -> Jdbc.rows(c, "SELECT * FROM batches WHERE id = ? AND tenant_id = ?", JdbcBatches::row, id, tenant)
                .stream().findFirst());
    }

    @Override
    public Optional<StoredBatch> get(String id) {
        return jdbc.read("read batch", c -> Jdbc.rows(c, "SELECT * FROM batches WHERE id = ?", JdbcBatches::row, id).stream().findFirst());
    }

    @Override
    public List<StoredBatch> list(String tenant, int limit) {
        return jdbc.read("list batches", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM batches WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?")) {
                ps.setString(1, tenant);
                ps.setInt(2, limit);
                List<StoredBatch> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Optional<StoredBatch> cancel(String tenant, String id, long nowMs) {
        return jdbc.append("cancel batch", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = ?, cancel_asked_at = ? WHERE id = ? AND tenant_id = ?"
                    + " AND status = ?")) {
                ps.setString(1, StoredBatch.CANCELLING);
                ps.setLong(2, nowMs);
                ps.setString(3, id);
                ps.setString(4, tenant);
                ps.setString(5, StoredBatch.IN_PROGRESS);
                ps.executeUpdate();
            }
            return Jdbc.rows(c, "SELECT * FROM batches WHERE id = ? AND tenant_id = ?", JdbcBatches::row, id, tenant).stream().findFirst();
        });
    }

    @Override
    public Optional<StoredBatch> claim(String owner, long nowMs, long untilMs) {
        return jdbc.append("claim batch", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM batches WHERE status IN (?, ?) AND lease_until < ? ORDER BY created_at LIMIT 1")) {
                ps.setString(1, StoredBatch.IN_PROGRESS);
                ps.setString(2, StoredBatch.CANCELLING);
                ps.setLong(3, nowMs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return Optional.<StoredBatch>empty();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET lease_owner = ?, lease_until = ? WHERE id = ? AND lease_until < ?")) {
                ps.setString(1, owner);
                ps.setLong(2, untilMs);
                ps.setString(3, ids.get(0));
                ps.setLong(4, nowMs);
                if (ps.executeUpdate() == 0) {
                    return Optional.<StoredBatch>empty(); // another replica took it meanwhile
                }
            }
            return Jdbc.rows(c, "SELECT * FROM batches WHERE id = ?", JdbcBatches::row, ids.get(0)).stream().findFirst();
        });
    }

    @Override
    public boolean progress(String id, String owner, int completed, int failed, int nextLine, String outputFileId, long untilMs) {
        return jdbc.append("batch progress", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET completed = ?, failed = ?, next_line = ?, output_file_id = ?,"
                    + " lease_until = ? WHERE id = ? AND lease_owner = ?")) {
                ps.setInt(1, completed);
                ps.setInt(2, failed);
                ps.setInt(3, nextLine);
                ps.setString(4, outputFileId);
                ps.setLong(5, untilMs);
                ps.setString(6, id);
                ps.setString(7, owner);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void finish(String id, String owner, String status, long nowMs) {
        jdbc.append("finish batch", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = ?, finished_at = ?, lease_owner = NULL, lease_until = 0"
                    + " WHERE id = ? AND lease_owner = ?")) {
                ps.setString(1, status);
                ps.setLong(2, nowMs);
                ps.setString(3, id);
                ps.setString(4, owner);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static StoredBatch row(ResultSet rs) throws SQLException {
        return new StoredBatch(rs.getString("id"), rs.getString("tenant_id"), rs.getString("principal"), rs.getString("key_id"),
                rs.getString("sealed_key"), rs.getString("input_file_id"), rs.getString("endpoint"), rs.getString("status"),
                rs.getInt("total"), rs.getInt("completed"), rs.getInt("failed"), rs.getInt("next_line"), rs.getString("output_file_id"),
                rs.getString("metadata"), rs.getLong("created_at"), Jdbc.longOrZero(rs, "in_progress_at"), Jdbc.longOrZero(rs, "finished_at"),
                Jdbc.longOrZero(rs, "cancel_asked_at"), rs.getLong("expires_at"));
    }
}
