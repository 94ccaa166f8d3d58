package dev.warden.store.jdbc;

import dev.warden.record.GpuHour;
import dev.warden.record.Ledger;
import dev.warden.record.ModelHour;
import dev.warden.record.TenantSpend;
import dev.warden.record.UsageRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link Ledger} over the {@code usage_ledger} table and its per-minute {@code usage_rollup}. */
final class JdbcLedger implements Ledger {
    /** Rows per multi-row INSERT: one statement per 100 rows instead of one step per row (17 x 100 parameters). */
    private static final int ROWS_PER_INSERT = 100;
    private static final String INSERT = "INSERT INTO usage_ledger (request_id, at_ms, tenant, key_id, subject, "
            + "model, region, operation, input_tokens, output_tokens, compute_units, gpu_ms, cost_micros, status, latency_ms, cache_hit, aborted) VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final Jdbc jdbc;

    JdbcLedger(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void append(List<UsageRecord> rows) {
        jdbc.append("append usage", c -> {
            for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
                List<UsageRecord> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
                StringBuilder sql = new StringBuilder(INSERT.length() + chunk.size() * (ROW.length() + 2)).append(INSERT);
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append(ROW);
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
                        ins.setLong(p++, u.computeUnits());
                        ins.setLong(p++, u.gpuMs());
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
            upsertModelRollup(c, rows);
            return null;
        });
    }

    /** Adds the batch's requests to the per-model, per-minute sums of time in flight (jobs' rows are not requests). */
    private static void upsertModelRollup(Connection c, List<UsageRecord> rows) throws SQLException {
        record Minute(String model, long minute) {
        }
        Map<Minute, long[]> sums = new LinkedHashMap<>();
        for (UsageRecord u : rows) {
            if (!u.job()) {
                long[] s = sums.computeIfAbsent(new Minute(u.model(), u.atMs() / 60_000), k -> new long[2]);
                s[0]++;
                s[1] += Math.max(0, u.latencyMs());
            }
        }
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_rollup (model, minute, requests, busy_ms) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (model, minute) DO UPDATE SET requests = model_rollup.requests + excluded.requests, "
                + "busy_ms = model_rollup.busy_ms + excluded.busy_ms")) {
            for (Map.Entry<Minute, long[]> e : sums.entrySet()) {
                ps.setString(1, e.getKey().model());
                ps.setLong(2, e.getKey().minute());
                ps.setLong(3, e.getValue()[0]);
                ps.setLong(4, e.getValue()[1]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Adds the batch to the per-tenant, per-minute sums, in the ledger rows' transaction. */
    private static void upsertRollup(Connection c, List<UsageRecord> rows) throws SQLException {
        record Minute(String tenant, long minute) {
        }
        Map<Minute, long[]> sums = new LinkedHashMap<>();
        for (UsageRecord u : rows) {
            long[] s = sums.computeIfAbsent(new Minute(u.tenant(), u.atMs() / 60_000), k -> new long[4]);
            s[0] += u.job() ? 0 : 1; // a job's charges are not requests
            s[1] += u.inputTokens();
            s[2] += u.outputTokens();
            s[3] += u.costMicros();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_rollup (tenant, minute, requests, input_tokens, "
                + "output_tokens, cost_micros) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, minute) DO UPDATE SET "
                + "requests = usage_rollup.requests + excluded.requests, input_tokens = usage_rollup.input_tokens + excluded.input_tokens, "
                + "output_tokens = usage_rollup.output_tokens + excluded.output_tokens, "
                + "cost_micros = usage_rollup.cost_micros + excluded.cost_micros")) {
            for (Map.Entry<Minute, long[]> e : sums.entrySet()) {
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
        return jdbc.read("read usage", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT * FROM usage_ledger WHERE tenant = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, request_id")) {
                ps.setString(1, tenantId);
                ps.setLong(2, fromMs);
                ps.setLong(3, toMs);
                List<UsageRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new UsageRecord(rs.getString("request_id"), rs.getLong("at_ms"), rs.getString("tenant"),
                                rs.getString("key_id"), rs.getString("subject"), rs.getString("model"), rs.getString("region"),
                                rs.getString("operation"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                                rs.getLong("compute_units"), rs.getLong("gpu_ms"), rs.getLong("cost_micros"), rs.getInt("status"), rs.getLong("latency_ms"), rs.getInt("cache_hit") == 1,
                                rs.getInt("aborted") == 1));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<ModelHour> modelHours(long fromMs, long toMs) {
        return jdbc.read("sum model hours", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT model, minute / 60, SUM(requests), SUM(busy_ms) FROM model_rollup "
                    + "WHERE minute >= ? AND minute < ? GROUP BY model, minute / 60")) {
                ps.setLong(1, Math.floorDiv(fromMs, 60_000L));
                ps.setLong(2, Math.floorDiv(toMs + 59_999L, 60_000L));
                List<ModelHour> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ModelHour(rs.getString(1), rs.getLong(2) * 3_600_000L, rs.getLong(3), rs.getLong(4)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<GpuHour> gpuHours(long fromMs, long toMs) {
        return jdbc.read("sum gpu hours", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant, at_ms / 3600000, SUM(gpu_ms) FROM usage_ledger "
                    + "WHERE gpu_ms > 0 AND at_ms >= ? AND at_ms < ? GROUP BY tenant, at_ms / 3600000")) {
                ps.setLong(1, fromMs);
                ps.setLong(2, toMs);
                List<GpuHour> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new GpuHour(rs.getString(1), rs.getLong(2) * 3_600_000L, rs.getLong(3)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<TenantSpend> spend(long fromMs, long toMs) {
        return jdbc.read("sum usage", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant, SUM(requests), SUM(input_tokens), SUM(output_tokens), "
                    + "SUM(cost_micros) FROM usage_rollup WHERE minute >= ? AND minute < ? GROUP BY tenant ORDER BY tenant")) {
                ps.setLong(1, Math.floorDiv(fromMs, 60_000L));
                ps.setLong(2, Math.floorDiv(Math.min(toMs, Long.MAX_VALUE - 60_000L) + 59_999L, 60_000L)); // "until forever" must not overflow
                List<TenantSpend> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TenantSpend(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                    }
                }
                return out;
            }
        });
    }
}
