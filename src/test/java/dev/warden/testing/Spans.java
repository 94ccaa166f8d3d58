package dev.warden.testing;

import java.util.ArrayList;
import java.util.List;

/** Time spans of requests seen by an upstream ({start, end} in nanoseconds): how many were open at once. */
public final class Spans {
    private Spans() {
    }

    /** The most spans open at the same instant (an end before a start at the same instant). */
    public static int maxOverlap(List<long[]> spans) {
        List<long[]> edges = new ArrayList<>();
        for (long[] s : spans) {
            edges.add(new long[] {s[0], 1});
            edges.add(new long[] {s[1], -1});
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int open = 0;
        int max = 0;
        for (long[] e : edges) {
            open += (int) e[1];
            max = Math.max(max, open);
        }
        return max;
    }
}
