package dev.warden.guard;

import dev.warden.config.PiiKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data and secrets in a text: each match of a kind's shape that also passes its
 * check (Luhn for cards, mod-97 for IBANs, the issued ranges for SSNs, octets for IPv4). Kinds are
 * tried in order ({@link PiiKind}'s: a card number is not also reported as a phone number), and
 * hits never overlap. Linear in the text (bounded quantifiers only); immutable, shared.
 */
public final class PiiScanner {
    /** One finding: its kind and where it is ({@code start} inclusive, {@code end} exclusive). */
    public record Hit(PiiKind kind, int start, int end) {
    }

    private static final Pattern SECRET = Pattern.compile(
            "-----BEGIN (?:[A-Z]{1,10} ){0,3}PRIVATE KEY-----"
            + "|\\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}"
            + "|\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"
            + "|\\bgh[pousr]_[A-Za-z0-9]{36,255}\\b"
            + "|\\bxox[abprs]-[A-Za-z0-9-]{10,200}"
            + "|\\bAIza[0-9A-Za-z_-]{35}"
            + "|\\bwdn_[a-z0-9]{12}_[A-Za-z0-9_-]{20,100}");
    private static final Pattern CARD = Pattern.compile("(?<!\\d|\\d[.,-])\\d(?:[ -]?\\d){12,18}(?!\\d|[.,-]\\d)");
    private static final Pattern IBAN = Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b");
    private static final Pattern SSN = Pattern.compile("(?<![\\d-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\d-])");
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){0,8}\\.[A-Za-z]{2,24}\\b");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.]\\d)");
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])"
            + "|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}(?![0-9A-Fa-f:])"
            + "|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){1,7}:(?![0-9A-Fa-f:])"
            + "|(?<![0-9A-Fa-f:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])");
    private static final Pattern PHONE = Pattern.compile("(?<![\\w+(]|\\d[ .-])(?:\\+|\\()?\\d(?:[ .-]?\\(?\\d\\)?){8,14}(?![\\w]|[ .-]\\d)");
    private static final Pattern SSN_SHAPE = Pattern.compile("\\d{3}-\\d{2}-\\d{4}");

    private PiiScanner() {
    }

    /** Literal starts of the secret shapes: the secret pattern runs only around them. */
    private static final String[] SECRET_STARTS = {"sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xoxa-", "xoxb-",
        "xoxp-", "xoxr-", "xoxs-", "AIza", "wdn_", "-----BEGIN"};

    /**
     * The hits of {@code kinds} in {@code text}, in text order, none overlapping. Each pattern runs
     * only in the windows around what it cannot do without (a digit, an {@code @}, a colon, a
     * secret's literal start, two capitals and two digits), so ordinary prose costs a pass of
     * character checks rather than every pattern at every position.
     */
    public static List<Hit> scan(String text, Set<PiiKind> kinds) {
        if (kinds.isEmpty() || text.isEmpty()) {
            return List.of();
        }
        Windows w = Windows.of(text);
        List<Hit> hits = new ArrayList<>();
        for (PiiKind kind : EnumSet.copyOf(kinds)) { // in the enum's order: the more specific first
            switch (kind) {
                case SECRET -> find(text, SECRET, kind, hits, m -> true, w.secret);
                case CARD -> find(text, CARD, kind, hits, m -> luhn(m.group()), w.digits);
                case IBAN -> find(text, IBAN, kind, hits, m -> iban(m.group()), w.iban);
                case SSN -> find(text, SSN, kind, hits, PiiScanner::issuedSsn, w.digits);
                case EMAIL -> find(text, EMAIL, kind, hits, m -> true, w.at);
                case IP -> {
                    find(text, IPV4, kind, hits, PiiScanner::octets, w.digits);
                    find(text, IPV6, kind, hits, m -> m.group().chars().filter(c -> c == ':').count() >= 2, w.colon);
                }
                case PHONE -> find(text, PHONE, kind, hits, PiiScanner::phone, w.digits);
            }
        }
        hits.sort(Comparator.comparingInt(Hit::start));
        return hits;
    }

    private interface Check {
        boolean passes(Matcher m);
    }

    /**
     * The windows each pattern runs in, found in one pass over the text: around runs of digits
     * (4 before, 24 after the last), each {@code @} (65 before, 330 after), each colon (40 either
     * side), each secret's literal start (300 after) and each pair of capitals before two digits
     * (an IBAN's start; 50 after). Windows of one kind that touch are merged.
     */
    private record Windows(List<int[]> digits, List<int[]> at, List<int[]> colon, List<int[]> secret, List<int[]> iban) {
        static Windows of(String text) {
            Windows w = new Windows(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            int n = text.length();
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                if (c >= '0' && c <= '9') {
                    add(w.digits, Math.max(0, i - 4), Math.min(n, i + 25));
                } else if (c == '@') {
                    add(w.at, Math.max(0, i - 65), Math.min(n, i + 331));
                } else if (c == ':') {
                    add(w.colon, Math.max(0, i - 40), Math.min(n, i + 41));
                } else if (c == 's' || c == 'A' || c == 'g' || c == 'x' || c == 'w' || c == '-') {
                    for (String start : SECRET_STARTS) {
                        if (start.charAt(0) == c && text.startsWith(start, i)) {
                            add(w.secret, Math.max(0, i - 1), Math.min(n, i + 300));
                            break;
                        }
                    }
                }
                if (c >= 'A' && c <= 'Z' && i + 3 < n && isUpper(text.charAt(i + 1)) && isDigit(text.charAt(i + 2))
                        && isDigit(text.charAt(i + 3))) {
                    add(w.iban, Math.max(0, i - 1), Math.min(n, i + 50));
                }
            }
            return w;
        }
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static void add(List<int[]> windows, int start, int end) {
        int[] last = windows.isEmpty() ? null : windows.get(windows.size() - 1);
        if (last != null && start <= last[1]) {
            last[1] = Math.max(last[1], end);
        } else {
            windows.add(new int[] {start, end});
        }
    }

    private static void find(String text, Pattern p, PiiKind kind, List<Hit> hits, Check check, List<int[]> windows) {
        Matcher m = p.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
        for (int[] w : windows) {
            m.region(w[0], w[1]);
            while (m.find()) {
                if (check.passes(m) && !overlaps(hits, m.start(), m.end())) {
                    hits.add(new Hit(kind, m.start(), m.end()));
                }
            }
        }
    }

    private static boolean overlaps(List<Hit> hits, int start, int end) {
        for (Hit h : hits) {
            if (start < h.end() && h.start() < end) {
                return true;
            }
        }
        return false;
    }

    private static int digits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /** The Luhn check of a card number (separators ignored). */
    static boolean luhn(String number) {
        int sum = 0;
        boolean twice = false;
        int count = 0;
        for (int i = number.length() - 1; i >= 0; i--) {
            char c = number.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
            count++;
        }
        return count >= 13 && count <= 19 && sum % 10 == 0;
    }

    /** ISO 13616: the country code and check digits moved to the end, letters as 10..35, the number mod 97 is 1. */
    static boolean iban(String candidate) {
        String s = candidate.replace(" ", "");
        if (s.length() < 15 || s.length() > 34) {
            return false;
        }
        String moved = s.substring(4) + s.substring(0, 4);
        int rest = 0;
        for (int i = 0; i < moved.length(); i++) {
            char c = moved.charAt(i);
            int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
            rest = v > 9 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
        }
        return rest == 1;
    }

    /** 9 to 15 digits, written as a phone number is (a + or separators between groups: not a bare run of digits, not an SSN's shape). */
    private static boolean phone(Matcher m) {
        String s = m.group();
        int d = digits(s);
        return d >= 9 && d <= 15 && (s.startsWith("+") || d < s.length()) && !SSN_SHAPE.matcher(s).matches();
    }

    private static boolean issuedSsn(Matcher m) {
        int area = Integer.parseInt(m.group(1));
        return area != 0 && area != 666 && area < 900 && !m.group(2).equals("00") && !m.group(3).equals("0000");
    }

    private static boolean octets(Matcher m) {
        for (int g = 1; g <= 4; g++) {
            if (Integer.parseInt(m.group(g)) > 255) {
                return false;
            }
        }
        return true;
    }
}
