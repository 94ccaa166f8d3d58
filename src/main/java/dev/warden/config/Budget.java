package dev.warden.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A spending budget of one tenant for one calendar period (UTC), in integer micro-units of the
 * billing currency: an alert at {@code softPercent}, and (when {@code hard}) no admission past the
 * limit.
 */
public record Budget(Period period, long limitMicros, int softPercent, boolean hard, boolean enforced) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public enum Period {
        DAY, MONTH;

        /** Start of the period containing {@code atMs} (UTC). */
        public long startMs(long atMs) {
            LocalDate d = Instant.ofEpochMilli(atMs).atZone(ZoneOffset.UTC).toLocalDate();
            LocalDate start = this == DAY ? d : d.withDayOfMonth(1);
            return start.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        }

        /** End (exclusive) of the period containing {@code atMs}. */
        public long endMs(long atMs) {
            LocalDate d = Instant.ofEpochMilli(startMs(atMs)).atZone(ZoneOffset.UTC).toLocalDate();
            LocalDate end = this == DAY ? d.plusDays(1) : d.plusMonths(1);
            return end.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        }

        public String id() {
            return this == DAY ? "day" : "month";
        }
    }

    /** The budgets of a stored {@code budgets} settings document (already validated by the admin API). */
    public static List<Budget> parse(String json) {
        List<Budget> out = new ArrayList<>();
        if (json == null) {
            return out;
        }
        try {
            for (JsonNode b : MAPPER.readTree(json).path("budgets")) {
                out.add(new Budget("day".equals(b.path("period").asText()) ? Period.DAY : Period.MONTH,
                        b.path("limitMicros").asLong(), b.path("softPercent").asInt(80), b.path("hard").asBoolean(true),
                        b.path("enforced").asBoolean(true)));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored budgets unreadable", e);
        }
        return out;
    }
}
