package dev.warden.store.jdbc;

import dev.warden.store.FileStore;
import dev.warden.store.StoredFile;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link FileStore} over the {@code files} and {@code file_chunks} tables. */
final class JdbcFiles implements FileStore {
    private final Jdbc jdbc;

    JdbcFiles(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void create(StoredFile f) {
        jdbc.append("create file", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO files (id, tenant_id, filename, purpose, bytes, status, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, f.id());
                ps.setString(2, f.tenantId());
                ps.setString(3, f.filename());
                ps.setString(4, f.purpose());
                ps.setLong(5, f.bytes());
                ps.setString(6, f.status());
                ps.setLong(7, f.createdAtMs());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void chunk(String fileId, int seq, String sealed) {
        jdbc.append("store file chunk", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO file_chunks (file_id, seq, sealed) VALUES (?, ?, ?)")) {
                ps.setString(1, fileId);
                ps.setInt(2, seq);
                ps.setString(3, sealed);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void complete(String tenant, String fileId, String filename, String purpose, long bytes) {
        jdbc.append("complete file", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE files SET status = ?, bytes = ?, filename = ?, purpose = ?"
                    + " WHERE id = ? AND tenant_id = ?")) {
                ps.setString(1, StoredFile.PROCESSED);
                ps.setLong(2, bytes);
                ps.setString(3, filename);
                ps.setString(4, purpose);
                ps.setString(5, fileId);
                ps.setString(6, tenant);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredFile> find(String tenant, String id) {
        return jdbc.read("read file", c -> Jdbc.rows(c, "SELECT * FROM files WHERE id = ? AND tenant_id = ? AND status = ?", JdbcFiles::row,
                id, tenant, StoredFile.PROCESSED).stream().findFirst());
    }

    @Override
    public List<StoredFile> list(String tenant, String purpose, String after, int limit) {
        return jdbc.read("list files", c -> {
            StringBuilder sql = new StringBuilder("SELECT * FROM files WHERE tenant_id = ? AND status = ?");
            List<Object> args = new ArrayList<>(List.of(tenant, StoredFile.PROCESSED));
            if (purpose != null) {
                sql.append(" AND purpose = ?");
                args.add(purpose);
            }
            if (after != null) { // the page after a file: older than it (the id breaks ties)
                sql.append(" AND (created_at < (SELECT created_at FROM files WHERE id = ? AND tenant_id = ?)"
                        + " OR (created_at = (SELECT created_at FROM files WHERE id = ? AND tenant_id = ?) AND id < ?))");
                args.addAll(List.of(after, tenant, after, tenant, after));
            }
            sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
            args.add(limit);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                List<StoredFile> out = new ArrayList<>();
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
    public String chunkOf(String tenant, String fileId, int seq) {
        return jdbc.read("read file chunk", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT k.sealed FROM file_chunks k JOIN files f ON f.id = k.file_id"
                    + " WHERE k.file_id = ? AND f.tenant_id = ? AND k.seq = ?")) {
                ps.setString(1, fileId);
                ps.setString(2, tenant);
                ps.setInt(3, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    @Override
    public boolean delete(String tenant, String id) {
        return jdbc.append("delete file", c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM files WHERE id = ? AND tenant_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, tenant);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM file_chunks WHERE file_id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            return n > 0;
        });
    }

    private static StoredFile row(ResultSet rs) throws SQLException {
        return new StoredFile(rs.getString("id"), rs.getString("tenant_id"), rs.getString("filename"), rs.getString("purpose"),
                rs.getLong("bytes"), rs.getString("status"), rs.getLong("created_at"));
    }
}
