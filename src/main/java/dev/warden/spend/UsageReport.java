package dev.warden.spend;

import dev.warden.record.UsageRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Sums ledger rows by day (UTC), model or key: requests (and job reports), tokens in and out, compute units, GPU time, cost. */
public final class UsageReport {
    private UsageReport() {
    }

    /** One group's totals. */
    public record Row(String group, long requests, long inputTokens, long outputTokens, long computeUnits, long gpuMs,
                      long costMicros) {
        Row plus(UsageRecord u) {
            return new Row(group, requests + (u.job() ? 0 : 1), inputTokens + u.inputTokens(), outputTokens + u.outputTokens(),
                    computeUnits + u.computeUnits(), gpuMs + u.gpuMs(), costMicros + u.costMicros());
        }
    }

    public enum GroupBy {
        DAY(u -> Instant.ofEpochMilli(u.atMs()).atZone(ZoneOffset.UTC).toLocalDate().toString()),
        MODEL(UsageRecord::model),
        KEY(u -> u.keyId() == null ? "-" : u.keyId()),
        /** The caller within the tenant: an IdP token's subject, or the key for key callers. */
        USER(u -> u.subject() == null ? "-" : u.subject());

        private final Function<UsageRecord, String> key;

        GroupBy(Function<UsageRecord, String> key) {
            this.key = key;
        }

        public static GroupBy parse(String s) {
            for (GroupBy g : values()) {
                if (g.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return g;
                }
            }
            return null;
        }
    }

    /** Rows in group order, then the total as the last row (group {@code total}). */
    public static List<Row> rows(List<UsageRecord> usage, GroupBy groupBy) {
        Map<String, Row> groups = new TreeMap<>();
        Row total = new Row("total", 0, 0, 0, 0, 0, 0);
        for (UsageRecord u : usage) {
            String g = groupBy.key.apply(u);
            groups.put(g, groups.getOrDefault(g, new Row(g, 0, 0, 0, 0, 0, 0)).plus(u));
            total = total.plus(u);
        }
        ArrayList<Row> out = new ArrayList<>(groups.values());
        out.add(total);
        return out;
    }

    public static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("group,requests,input_tokens,output_tokens,compute_units,gpu_ms,cost_micros\n");
        for (Row r : rows) {
            sb.append(csvField(r.group())).append(',').append(r.requests()).append(',').append(r.inputTokens()).append(',')
                    .append(r.outputTokens()).append(',').append(r.computeUnits()).append(',').append(r.gpuMs()).append(',').append(r.costMicros()).append('\n');
        }
        return sb.toString();
    }

    /** Quotes a field, and defuses spreadsheet formulas (a group named "=cmd()" stays text). */
    private static String csvField(String s) {
        String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        return v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
