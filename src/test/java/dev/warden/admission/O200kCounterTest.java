package dev.warden.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Our o200k_base counter against the reference it replaces: the pieces {@link O200kSplitter} cuts
 * are exactly those of o200k's regular expression (compiled as JTokkit compiles it), and every
 * count is exactly JTokkit's, on this repository's docs and sources, on hand-picked edges
 * (contractions in every case, the long s, marks, CRLF runs, lone surrogates, Unicode spaces)
 * and on random text over a palette of every character class the expression tells apart.
 */
class O200kCounterTest {
    /** o200k_base's pre-tokenizer, as JTokkit builds it. */
    private static final Pattern REFERENCE = Pattern.compile(String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}", " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*", "\\s*[\\r\\n]+", "\\s+(?!\\S)", "\\s+"), Pattern.UNICODE_CHARACTER_CLASS);
    private static final Encoding JTOKKIT = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    /** Every class the expression tells apart, and the characters its suffixes and breaks look at. */
    private static final String[] PALETTE = {
        "a", "z", "e", "s", "t", "r", "v", "m", "l", "d", "A", "S", "T", "R", "E", "V", "M", "L", "D", "\u017f", "'", "'", "'",
        " ", " ", " ", "  ", "\t", "\r", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\u0085", "\u000b",
        "0", "7", "42", "\u0663", "\u216b", "\u00b2", ".", ",", "!", "?", "/", "//", "-", "_", "(", ")", "{", "\"", ":", "#", "$", "\u20ac",
        "\u00e9", "\u00df", "\u00c7", "\u01c5", "\u02b0", "\u4e2d\u6587", "\u0645\u0631\u062d\u0628\u0627", "\u0915\u094d\u0937",
        "\u0301", "\u20dd", "\u0903", "\ud83d\ude00", "\ud835\udc00", "\ud800", "\udc00", "<|endoftext|>", "\u2019", "I'M", "we'Re", "Y'ALL",
    };

    private static List<String> reference(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(s);
        while (m.find()) {
            out.add(m.start() + ":" + m.end());
        }
        return out;
    }

    private static List<String> ours(String s) {
        List<String> out = new ArrayList<>();
        O200kSplitter.split(s, (start, end) -> out.add(start + ":" + end));
        return out;
    }

    private static void same(String s) {
        assertThat(ours(s)).as("pieces of %s", escaped(s)).isEqualTo(reference(s));
        assertThat(O200kCounter.get().count(s)).as("tokens of %s", escaped(s)).isEqualTo(JTOKKIT.countTokensOrdinary(s));
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().limit(300).forEach(c -> b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return b.toString();
    }

    @Test
    void handPickedEdgesCountAsJTokkitCountsThem() {
        for (String s : List.of("", "a", "Hello, world!", "I'm here, they're there, we've ALL'S gone", "it\u017fs 'S 'LL 'Ve 'd",
                "  leading and trailing  ", "line\r\n\r\n  next\n\n\tindented", "\u00a0nbsp\u2028sep\u3000ideo", "x\ud800y\udc00z",
                "\ud83d\ude00\ud83d\ude00 emoji", "cafe\u0301 na\u0308ive \u0915\u094d\u0937", "\u01c5ungla \u02b0aspirated",
                "12345678901 \u0663\u0664 \u216b\u00b2", "path/to//file\r\n/", " !!! ??? ...", "\u4e2d\u6587\u6d4b\u8bd5", "<|endoftext|>",
                "MixedCASEWordsAndUPPERlower", "'s", "'", "a'", " '", "\r", "\n", " \n ", "\t\t\n\t")) {
            same(s);
        }
    }

    @Test
    void longRunsTakeTheHeapPathAndStillAgree() {
        same("a".repeat(5000));
        same("!".repeat(3000));
        same("ab".repeat(2000) + " " + "Z".repeat(777));
        Random random = new Random(7);
        byte[] blob = new byte[6000];
        random.nextBytes(blob);
        same(java.util.Base64.getEncoder().encodeToString(blob)); // one long piece of letters, digits and symbols
    }

    @Test
    void thisRepositorysDocsAndSourcesCountAsJTokkitCountsThem() throws IOException {
        List<Path> files;
        try (Stream<Path> docs = Files.walk(Path.of("docs")); Stream<Path> main = Files.walk(Path.of("src/main/java/dev/warden/admission"))) {
            files = Stream.concat(docs, main).filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSizeGreaterThan(20);
        for (Path f : files) {
            same(Files.readString(f));
        }
    }

    @Test
    void randomTextOverEveryCharacterClassCountsAsJTokkitCountsIt() {
        Random random = new Random(20261206);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder b = new StringBuilder();
            int parts = random.nextInt(40);
            for (int i = 0; i < parts; i++) {
                b.append(PALETTE[random.nextInt(PALETTE.length)]);
            }
            same(b.toString());
        }
    }
}
