package dev.warden.config;

/**
 * The grammars of identifiers. Checked by hand, byte by byte, so that nothing outside plain
 * ASCII (no look-alike, no NUL, no encoded byte) ever becomes an id.
 */
public final class Ids {
    private Ids() {
    }

    /** Tenant ids: 1..63 of {@code [a-z0-9-]}, starting and ending with a letter or digit. */
    public static boolean isTenantId(CharSequence s) {
        return lowerToken(s, 63) && s.charAt(s.length() - 1) != '-';
    }

    /**
     * Model names: 1..128 of {@code [A-Za-z0-9._:/-]}, starting with a letter or digit, with no
     * {@code ..}, {@code //} or trailing {@code /}.
     */
    public static boolean isModelName(CharSequence s) {
        int n = s.length();
        if (n < 1 || n > 128) {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (i == 0 && !alnum) {
                return false;
            }
            if (!alnum && c != '.' && c != '_' && c != ':' && c != '/' && c != '-') {
                return false;
            }
            if ((c == '.' || c == '/') && prev == c) {
                return false;
            }
            prev = c;
        }
        return prev != '/';
    }

    /** A model name usable as one path segment (the predict route): no {@code /}. */
    public static boolean isModelSegment(CharSequence s) {
        return isModelName(s) && s.toString().indexOf('/') < 0;
    }

    /** Regions: 1..32 of {@code [a-z0-9-]}, starting with a letter or digit. */
    public static boolean isRegion(CharSequence s) {
        return lowerToken(s, 32);
    }

    /** Generic names (tiers, pools): 1..64 of {@code [a-z0-9-]}, starting alphanumeric. */
    public static boolean isName(CharSequence s) {
        return lowerToken(s, 64);
    }

    /** Job ids as Warden makes them: {@code job_} and 26 of {@code [a-z2-7]} (130 random bits, base32). */
    /** An upstream object's id (a response's {@code resp_...}): 1..128 of {@code [A-Za-z0-9_-]}. */
    public static boolean isObjectId(CharSequence s) {
        int n = s.length();
        if (n < 1 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    public static boolean isJobId(CharSequence s) {
        if (s.length() != 30 || !s.toString().startsWith("job_")) {
            return false;
        }
        for (int i = 4; i < 30; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        return true;
    }

    /** 1..max of {@code [a-z0-9-]}, starting with a letter or digit (plain ASCII only). */
    private static boolean lowerToken(CharSequence s, int max) {
        int n = s.length();
        if (n < 1 || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && !(c == '-' && i > 0)) {
                return false;
            }
        }
        return true;
    }
}
