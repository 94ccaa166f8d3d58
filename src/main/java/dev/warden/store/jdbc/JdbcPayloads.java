package dev.warden.store.jdbc;

import dev.warden.record.PayloadLog;
import dev.warden.record.PayloadRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@link PayloadLog} over the {@code payload_log} table: every read and delete names the tenant. */
final class JdbcPayloads implements PayloadLog {
    private static final String COLUMNS = "id, tenant_id, request_id, at_ms, principal, operation, model, status, expires_at, sealed";
    private final Jdbc jdbc;

    JdbcPayloads(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void append(List<PayloadRecord> rows) {
        jdbc.append("append payloads", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO payload_log (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (PayloadRecord r : rows) {
                    ps.setString(1, r.id());
                    ps.setString(2, r.tenant());
                    ps.setString(3, r.requestId());
                    ps.setLong(4, r.atMs());
                    ps.setString(5, r.principal());
                    ps.setString(6, r.operation());
                    ps.setString(7, r.model());
                    ps.setInt(8, r.status());
                    ps.setLong(9, r.expiresAtMs());
                    ps.setString(10, r.sealed());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<PayloadRecord> page(String tenant, long beforeMs, int limit) {
        return jdbc.read("list payloads", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM payload_log WHERE tenant_id = ? AND at_ms < ?"
                    + " ORDER BY at_ms DESC, id DESC LIMIT ?")) {
                ps.setString(1, tenant);
                ps.setLong(2, beforeMs <= 0 ? Long.MAX_VALUE : beforeMs);
                ps.setInt(3, limit);
                return rows(ps);
            }
        });
    }

    @Override
    public Optional<PayloadRecord> find(String tenant, String id) {
        return jdbc.read("read payload", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM payload_log WHERE tenant_id = ? AND id = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, id);
                return rows(ps).stream().findFirst();
            }
        });
    }

    @Override
    public boolean delete(String tenant, String id) {
        return jdbc.append("delete payload", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM payload_log WHERE tenant_id = ? AND id = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int deleteAll(String tenant) {
        return jdbc.append("delete payloads", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM payload_log WHERE tenant_id = ?")) {
                ps.setString(1, tenant);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int deleteExpired(long nowMs) {
        return jdbc.append("expire payloads", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM payload_log WHERE expires_at <= ?")) {
                ps.setLong(1, nowMs);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int rewrap(UnaryOperator<PayloadRecord> rewrap) {
        int changed = 0;
        String after = "";
        while (true) { // by id, a page at a time: bounded memory whatever the log's size
            String from = after;
            List<PayloadRecord> page = jdbc.read("read payloads", c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM payload_log WHERE id > ? ORDER BY id LIMIT 500")) {
                    ps.setString(1, from);
                    return rows(ps);
                }
            });
            if (page.isEmpty()) {
                return changed;
            }
            List<PayloadRecord> updated = new ArrayList<>();
            for (PayloadRecord r : page) {
                PayloadRecord now = rewrap.apply(r);
                if (!now.sealed().equals(r.sealed())) {
                    updated.add(now);
                }
            }
            if (!updated.isEmpty()) {
                jdbc.append("rewrap payloads", c -> {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE payload_log SET sealed = ? WHERE id = ? AND tenant_id = ?")) {
                        for (PayloadRecord r : updated) {
                            ps.setString(1, r.sealed());
                            ps.setString(2, r.id());
                            ps.setString(3, r.tenant());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    return null;
                });
            }
            changed += updated.size();
            after = page.get(page.size() - 1).id();
        }
    }

    private static List<PayloadRecord> rows(PreparedStatement ps) throws SQLException {
        List<PayloadRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new PayloadRecord(rs.getString("id"), rs.getString("tenant_id"), rs.getString("request_id"), rs.getLong("at_ms"),
                        rs.getString("principal"), rs.getString("operation"), rs.getString("model"), rs.getInt("status"),
                        rs.getLong("expires_at"), rs.getString("sealed")));
            }
        }
        return out;
    }
}
