package dev.warden.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The spans of a text that the allow patterns match: no rule hits inside one. */
final class Allowed {
    private static final Allowed NOTHING = new Allowed(List.of());
    private final List<int[]> spans;

    private Allowed(List<int[]> spans) {
        this.spans = spans;
    }

    static Allowed in(String text, List<Pattern> allow) {
        if (allow.isEmpty()) {
            return NOTHING;
        }
        List<int[]> spans = new ArrayList<>();
        for (Pattern p : allow) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                if (m.end() > m.start()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
            }
        }
        return new Allowed(spans);
    }

    /** Whether {@code [start, end)} lies wholly inside one allowed span. */
    boolean covers(int start, int end) {
        for (int[] s : spans) {
            if (s[0] <= start && end <= s[1]) {
                return true;
            }
        }
        return false;
    }
}
