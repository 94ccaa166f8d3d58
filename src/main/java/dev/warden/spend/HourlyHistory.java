package dev.warden.spend;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A value per key (tenant, model) and UTC hour, read from the control store for the forecasts:
 * whole hours are read once and kept, each read adds only the hours completed since and reads the
 * hour in progress fresh. And what the forecasts make of it: each hour of the day's mean over the
 * {@value #DAYS} whole days before today. Used on the alert cycle's thread only.
 *
 * @param <R> what the store answers per key and hour
 */
final class HourlyHistory<R> {
    static final long HOUR = 3_600_000L;
    static final int DAYS = 7;

    /** One store read: the rows of {@code [fromMs, toMs)}, each one key's value in one hour. */
    interface Source<R> {
        List<R> read(long fromMs, long toMs);
    }

    private final Source<R> source;
    private final Function<R, String> key;
    private final Function<R, Long> hourStart;
    private final Function<R, Long> value;
    /** Key -> whole hour start -> value, from {@link #keptFrom} up to {@link #keptTo} (exclusive). */
    private final Map<String, Map<Long, Long>> kept = new HashMap<>();
    private long keptFrom = -1;
    private long keptTo = -1;

    HourlyHistory(Source<R> source, Function<R, String> key, Function<R, Long> hourStart, Function<R, Long> value) {
        this.source = source;
        this.key = key;
        this.hourStart = hourStart;
        this.value = value;
    }

    /** Each key's values by hour from {@code fromMs} up to now (a new start, or a clock gone back, reads it all again). */
    Map<String, Map<Long, Long>> since(long fromMs, long nowMs) {
        long currentHour = nowMs - nowMs % HOUR;
        if (keptFrom != fromMs || keptTo < fromMs || keptTo > currentHour) {
            kept.clear();
            keptFrom = fromMs;
            keptTo = fromMs;
        }
        if (keptTo < currentHour) {
            add(kept, source.read(keptTo, currentHour));
            keptTo = currentHour;
        }
        Map<String, Map<Long, Long>> out = new HashMap<>();
        kept.forEach((k, hours) -> out.put(k, new HashMap<>(hours)));
        add(out, source.read(currentHour, nowMs + 1));
        return out;
    }

    private void add(Map<String, Map<Long, Long>> into, List<R> rows) {
        for (R r : rows) {
            into.computeIfAbsent(key.apply(r), k -> new HashMap<>()).merge(hourStart.apply(r), value.apply(r), Long::sum);
        }
    }

    /** The start of the window the forecasts read: {@value #DAYS} whole days before today. */
    static long weekBefore(long nowMs) {
        return nowMs - nowMs % (24 * HOUR) - DAYS * 24 * HOUR;
    }

    /** Per hour of the day (UTC), the mean value of that hour over the {@value #DAYS} whole days before today (a day without any: 0). */
    static double[] hourOfDayMeans(Map<Long, Long> byHour, long nowMs) {
        long today = nowMs - nowMs % (24 * HOUR);
        double[] out = new double[24];
        for (int k = 0; k < 24; k++) {
            long sum = 0;
            for (int d = 1; d <= DAYS; d++) {
                sum += byHour.getOrDefault(today - d * 24 * HOUR + k * HOUR, 0L);
            }
            out[k] = sum / (double) DAYS;
        }
        return out;
    }
}
