package dev.warden.store.jdbc;

import dev.warden.record.AuditChain;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditLog;
import dev.warden.record.AuditQuery;
import dev.warden.record.AuditRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link AuditLog} over the {@code audit_log} table and its one-row {@code audit_head}. */
final class JdbcAuditLog implements AuditLog {
    private final Jdbc jdbc;

    JdbcAuditLog(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long append(List<AuditEvent> events, AuditChain chain) {
        return jdbc.append("append audit", c -> {
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
            upsertRollup(c, events);
            return seq;
        });
    }

    /** Adds the batch's refusals to the per-tenant, per-minute sums, in the events' transaction. */
    private static void upsertRollup(Connection c, List<AuditEvent> events) throws SQLException {
        record Minute(String tenant, long minute) {
        }
        Map<Minute, long[]> sums = new LinkedHashMap<>();
        for (AuditEvent e : events) {
            if (e.denied()) {
                long[] s = sums.computeIfAbsent(new Minute(e.tenant() == null ? "" : e.tenant(), e.atMs() / 60_000), k -> new long[2]);
                s[0]++;
                s[1] += e.securityEvent() ? 1 : 0;
            }
        }
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_rollup (tenant, minute, refusals, security) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (tenant, minute) DO UPDATE SET refusals = audit_rollup.refusals + excluded.refusals, "
                + "security = audit_rollup.security + excluded.security")) {
            for (Map.Entry<Minute, long[]> e : sums.entrySet()) {
                ps.setString(1, e.getKey().tenant());
                ps.setLong(2, e.getKey().minute());
                ps.setLong(3, e.getValue()[0]);
                ps.setLong(4, e.getValue()[1]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<Denials> denials(long fromMs, long toMs) {
        return jdbc.read("sum refusals", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant, SUM(refusals), SUM(security) FROM audit_rollup "
                    + "WHERE minute >= ? AND minute < ? GROUP BY tenant ORDER BY tenant")) {
                ps.setLong(1, Math.floorDiv(fromMs, 60_000L));
                ps.setLong(2, Math.floorDiv(toMs + 59_999L, 60_000L));
                List<Denials> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String tenant = rs.getString(1);
                        out.add(new Denials(tenant.isEmpty() ? null : tenant, rs.getLong(2), rs.getLong(3)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<AuditRecord> all() {
        return jdbc.read("read audit", c -> Jdbc.rows(c, "SELECT * FROM audit_log ORDER BY seq", JdbcAuditLog::record));
    }

    @Override
    public List<AuditRecord> query(AuditQuery q) {
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
        return jdbc.read("query audit", c -> {
            List<AuditRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(record(rs));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public Head head() {
        return jdbc.read("read audit head", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, mac FROM audit_head WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Head(rs.getLong(1), rs.getString(2));
            }
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

    private static AuditRecord record(ResultSet rs) throws SQLException {
        return new AuditRecord(rs.getLong("seq"), new AuditEvent(rs.getLong("at_ms"), rs.getString("tenant"),
                rs.getString("principal"), rs.getString("action"), rs.getString("decision"), rs.getString("reason"),
                rs.getString("request_id"), rs.getString("source"), rs.getString("detail")), rs.getString("mac"));
    }
}
