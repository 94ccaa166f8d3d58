package dev.warden.admission;

/**
 * The pieces o200k_base's pre-tokenizer cuts a text into, found by hand instead of by its regular
 * expression (JTokkit runs that expression through {@code java.util.regex}, which made o200k cost
 * 4.5-5x cl100k per token). The expression, alternatives tried in order at each position:
 *
 * <pre>
 *   1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *   2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *   3  \p{N}{1,3}
 *   4   ?[^\s\p{L}\p{N}]+[\r\n/]*
 *   5  \s*[\r\n]+
 *   6  \s+(?!\S)
 *   7  \s+
 * </pre>
 *
 * compiled with {@code UNICODE_CHARACTER_CLASS} ({@code \s} is Unicode White_Space; the suffixes
 * match case-insensitively by Unicode case). Each method below returns where its alternative's
 * first match (in the regex engine's backtracking order) ends, or -1; positions are char indices
 * and the text is walked by code point, as the engine does. {@code O200kSplitterTest} checks the
 * pieces against the expression itself on a corpus and on random text.
 */
final class O200kSplitter {
    /** The pieces of {@code s}, each handed to {@code piece} as [start, end) char indices. */
    interface Pieces {
        void piece(int start, int end);
    }

    private O200kSplitter() {
    }

    static void split(String s, Pieces out) {
        int i = 0;
        int n = s.length();
        while (i < n) {
            int end = letters(s, i, true);
            if (end < 0) {
                end = letters(s, i, false);
            }
            if (end < 0) {
                end = digits(s, i);
            }
            if (end < 0) {
                end = punctuation(s, i);
            }
            if (end < 0) {
                end = newlines(s, i);
            }
            if (end < 0) {
                end = spaces(s, i);
            }
            out.piece(i, end);
            i = end;
        }
    }

    /** Alternative 1 ({@code lowerLast}) or 2: an optional lead character, then the letters' core, then a contraction. */
    private static int letters(String s, int i, boolean lowerLast) {
        int c = s.codePointAt(i);
        if (isLead(c)) {
            int end = lowerLast ? lowerCore(s, i + Character.charCount(c)) : upperCore(s, i + Character.charCount(c));
            if (end >= 0) {
                return contraction(s, end);
            }
        }
        int end = lowerLast ? lowerCore(s, i) : upperCore(s, i);
        return end < 0 ? -1 : contraction(s, end);
    }

    /**
     * {@code [upper]*[lower]+}: the greedy upper run gives back characters until the lower run can
     * start: at the run's end if that is a lower letter, else at the last character of the run
     * that is both (Lm, Lo, M); then the lower run takes what it can.
     */
    private static int lowerCore(String s, int i) {
        int n = s.length();
        int j = i;
        int lastBoth = -1;
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isUpperClass(c)) {
                break;
            }
            if (isLowerClass(c)) {
                lastBoth = j;
            }
            j += Character.charCount(c);
        }
        int start;
        if (j < n && isLowerClass(s.codePointAt(j))) {
            start = j;
        } else if (lastBoth >= 0) {
            start = lastBoth;
        } else {
            return -1;
        }
        int k = start;
        while (k < n) {
            int c = s.codePointAt(k);
            if (!isLowerClass(c)) {
                break;
            }
            k += Character.charCount(c);
        }
        return k;
    }

    /** {@code [upper]+[lower]*}: neither part gives anything back (what follows cannot fail). */
    private static int upperCore(String s, int i) {
        int n = s.length();
        int j = i;
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isUpperClass(c)) {
                break;
            }
            j += Character.charCount(c);
        }
        if (j == i) {
            return -1;
        }
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isLowerClass(c)) {
                break;
            }
            j += Character.charCount(c);
        }
        return j;
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code i}: where it ends (i if none). */
    private static int contraction(String s, int i) {
        int n = s.length();
        if (i >= n || s.charAt(i) != '\'' || i + 1 >= n) {
            return i;
        }
        int a = s.codePointAt(i + 1);
        int afterA = i + 1 + Character.charCount(a);
        if (sameLetter(a, 's') || sameLetter(a, 't') || sameLetter(a, 'm') || sameLetter(a, 'd')) {
            return afterA;
        }
        if (afterA < n) {
            int b = s.codePointAt(afterA);
            int afterB = afterA + Character.charCount(b);
            if ((sameLetter(a, 'r') || sameLetter(a, 'v')) && sameLetter(b, 'e') || sameLetter(a, 'l') && sameLetter(b, 'l')) {
                return afterB;
            }
        }
        return i;
    }

    /** Alternative 3: one to three numbers. */
    private static int digits(String s, int i) {
        int n = s.length();
        int j = i;
        for (int count = 0; count < 3 && j < n; count++) {
            int c = s.codePointAt(j);
            if (!isNumber(c)) {
                break;
            }
            j += Character.charCount(c);
        }
        return j == i ? -1 : j;
    }

    /** Alternative 4: an optional space, a run of what is neither space, letter nor number, then CR, LF and slashes. */
    private static int punctuation(String s, int i) {
        int n = s.length();
        int j = i;
        if (s.charAt(j) == ' ' && j + 1 < n && isOther(s.codePointAt(j + 1))) {
            j++;
        }
        int start = j;
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isOther(c)) {
                break;
            }
            j += Character.charCount(c);
        }
        if (j == start) {
            return -1;
        }
        while (j < n && (s.charAt(j) == '\r' || s.charAt(j) == '\n' || s.charAt(j) == '/')) {
            j++;
        }
        return j;
    }

    /** Alternative 5: white space up to and including the last CR or LF of its run. */
    private static int newlines(String s, int i) {
        int n = s.length();
        int j = i;
        int lastBreak = -1;
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isSpace(c)) {
                break;
            }
            if (c == '\r' || c == '\n') {
                lastBreak = j;
            }
            j += Character.charCount(c);
        }
        return lastBreak < 0 ? -1 : lastBreak + 1;
    }

    /**
     * Alternatives 6 and 7: a white space run; when something follows it, the run but its last
     * character (which then starts the next piece, as a lead), if that leaves any.
     */
    private static int spaces(String s, int i) {
        int n = s.length();
        int j = i;
        int last = i;
        while (j < n) {
            int c = s.codePointAt(j);
            if (!isSpace(c)) {
                break;
            }
            last = j;
            j += Character.charCount(c);
        }
        if (j == i) {
            throw new IllegalStateException("no alternative matches at " + i); // every character is in one class above
        }
        return j == n || last == i ? j : last;
    }

    private static boolean isLead(int c) {
        return c != '\r' && c != '\n' && !isLetter(c) && !isNumber(c);
    }

    private static boolean isOther(int c) {
        return !isSpace(c) && !isLetter(c) && !isNumber(c);
    }

    /** {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}. */
    private static boolean isUpperClass(int c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    /** {@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}. */
    private static boolean isLowerClass(int c) {
        return switch (Character.getType(c)) {
            case Character.LOWERCASE_LETTER, Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    private static boolean isLetter(int c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER,
                 Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    private static boolean isNumber(int c) {
        return switch (Character.getType(c)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** Unicode White_Space, as {@code \s} under {@code UNICODE_CHARACTER_CLASS}. */
    static boolean isSpace(int c) {
        if (c >= 0x9 && c <= 0xd || c == 0x85) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** {@code c} matches the ASCII letter {@code lower} case-insensitively, by Unicode case (so the long s matches s). */
    private static boolean sameLetter(int c, char lower) {
        return c == lower || Character.toLowerCase(Character.toUpperCase(c)) == lower;
    }
}
