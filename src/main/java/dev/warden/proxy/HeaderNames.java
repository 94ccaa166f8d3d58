package dev.warden.proxy;

/**
 * A fixed set of header names matched case-insensitively without allocating (no lower-casing of
 * each incoming name): open addressing on an ASCII case-folded hash.
 */
final class HeaderNames {
    private final String[] table;
    private final int mask;

    HeaderNames(String... names) {
        int size = Integer.highestOneBit(Math.max(4, names.length * 4) - 1) << 1;
        table = new String[size];
        mask = size - 1;
        for (String n : names) {
            int i = hash(n) & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = n;
        }
    }

    boolean contains(CharSequence name) {
        int i = hash(name) & mask;
        String candidate;
        while ((candidate = table[i]) != null) {
            if (equalsIgnoreCase(candidate, name)) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    private static int hash(CharSequence s) {
        int h = s.length();
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + (s.charAt(i) | 0x20);
        }
        return h ^ (h >>> 16);
    }

    static boolean equalsIgnoreCase(String a, CharSequence b) {
        return b instanceof String text ? a.equalsIgnoreCase(text) : a.contentEquals(b) || a.equalsIgnoreCase(b.toString());
    }

    static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
