package dev.warden.admission;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Counts o200k_base tokens: the pieces {@link O200kSplitter} cuts, each turned into bytes and
 * merged by byte-pair ranks as tiktoken does (the lowest-ranked adjacent pair first, the leftmost
 * of equals). The ranks are JTokkit's copy of OpenAI's table ({@code o200k_base.tiktoken} in its
 * jar), loaded once into an open-addressing table that is probed with a slice of a byte array, so
 * counting allocates nothing per piece. {@code O200kCounterTest} checks every count against
 * JTokkit's own o200k encoding. Thread-safe.
 */
final class O200kCounter {
    private static final String RANKS = "/com/knuddels/jtokkit/o200k_base.tiktoken";
    /** Pieces up to this many bytes merge by scanning (cheap when short); longer ones with a heap. */
    private static final int SCAN_LIMIT = 64;

    private final byte[][] tokens;
    private final int[] ranks;
    private final int mask;

    private O200kCounter(byte[][] tokens, int[] ranks) {
        this.tokens = tokens;
        this.ranks = ranks;
        this.mask = tokens.length - 1;
    }

    private static final class Holder {
        static final O200kCounter INSTANCE = load();
    }

    /** The counter, its ranks loaded on first use. */
    static O200kCounter get() {
        return Holder.INSTANCE;
    }

    private static O200kCounter load() {
        try (InputStream in = O200kCounter.class.getResourceAsStream(RANKS)) {
            if (in == null) {
                throw new IllegalStateException("missing " + RANKS + " (JTokkit)");
            }
            int size = 1 << 19; // > 2.5x the 200k ranks: short probe chains
            byte[][] tokens = new byte[size][];
            int[] ranks = new int[size];
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            Base64.Decoder base64 = Base64.getDecoder();
            String line;
            while ((line = reader.readLine()) != null) {
                int space = line.indexOf(' ');
                if (space < 0) {
                    continue;
                }
                byte[] token = base64.decode(line.substring(0, space));
                int slot = hash(token, 0, token.length) & (size - 1);
                while (tokens[slot] != null) {
                    slot = (slot + 1) & (size - 1);
                }
                tokens[slot] = token;
                ranks[slot] = Integer.parseInt(line, space + 1, line.length(), 10);
            }
            return new O200kCounter(tokens, ranks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokens of {@code s}, special-token text counted as ordinary text. */
    int count(String s) {
        Piece piece = new Piece();
        O200kSplitter.split(s, (start, end) -> piece.count += piece.tokens(s, start, end));
        return piece.count;
    }

    /** The running count and the scratch space of one text: no allocation per piece. */
    private final class Piece {
        int count;
        byte[] bytes = new byte[64];
        int[] parts = new int[SCAN_LIMIT + 1];
        int[] pairRanks = new int[SCAN_LIMIT];

        int tokens(String s, int start, int end) {
            int n = utf8(s, start, end);
            if (n <= 1 || rank(bytes, 0, n) >= 0) {
                return 1;
            }
            return n <= SCAN_LIMIT ? scan(n) : heap(bytes, n);
        }

        /** The piece's UTF-8 bytes into {@code bytes}, as {@code String.getBytes(UTF_8)} (a lone surrogate is '?'). */
        private int utf8(String s, int start, int end) {
            if (bytes.length < (end - start) * 3) {
                bytes = new byte[(end - start) * 3];
            }
            int n = 0;
            for (int i = start; i < end; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    bytes[n++] = (byte) c;
                } else if (c < 0x800) {
                    bytes[n++] = (byte) (0xc0 | c >> 6);
                    bytes[n++] = (byte) (0x80 | c & 0x3f);
                } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    bytes[n++] = (byte) (0xf0 | cp >> 18);
                    bytes[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
                    bytes[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
                    bytes[n++] = (byte) (0x80 | cp & 0x3f);
                } else if (Character.isSurrogate(c)) {
                    bytes[n++] = '?';
                } else {
                    bytes[n++] = (byte) (0xe0 | c >> 12);
                    bytes[n++] = (byte) (0x80 | c >> 6 & 0x3f);
                    bytes[n++] = (byte) (0x80 | c & 0x3f);
                }
            }
            return n;
        }

        /** A short piece: merge the lowest-ranked adjacent pair (leftmost of equals) until none is a token. */
        private int scan(int n) {
            int parts = n;
            for (int i = 0; i <= n; i++) {
                this.parts[i] = i;
            }
            for (int i = 0; i < n - 1; i++) {
                pairRanks[i] = rank(bytes, i, i + 2);
            }
            while (parts > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i < parts - 1; i++) {
                    int r = pairRanks[i];
                    if (r >= 0 && r < bestRank) {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                // part best absorbs part best + 1
                System.arraycopy(this.parts, best + 2, this.parts, best + 1, parts - best - 1);
                System.arraycopy(pairRanks, best + 1, pairRanks, best, parts - best - 2);
                parts--;
                if (best < parts - 1) {
                    pairRanks[best] = rank(bytes, this.parts[best], this.parts[best + 2]);
                }
                if (best > 0) {
                    pairRanks[best - 1] = rank(bytes, this.parts[best - 1], this.parts[best + 1]);
                }
            }
            return parts;
        }
    }

    /**
     * A long piece (a run of letters or symbols with no break): the same merges in O(n log n),
     * a linked list of parts and a heap of candidate pairs keyed by rank, then start (the
     * leftmost of equals); a popped pair that has changed since it was pushed is skipped.
     */
    private int heap(byte[] bytes, int n) {
        int[] next = new int[n + 1];
        int[] prev = new int[n + 1];
        int[] pairRank = new int[n];
        boolean[] gone = new boolean[n];
        long[] heap = new long[2 * n + 8];
        int size = 0;
        for (int i = 0; i <= n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        for (int i = 0; i < n - 1; i++) {
            pairRank[i] = rank(bytes, i, i + 2);
            if (pairRank[i] >= 0) {
                size = push(heap, size, (long) pairRank[i] << 32 | i);
            }
        }
        int parts = n;
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int i = (int) top;
            int r = (int) (top >>> 32);
            if (gone[i] || pairRank[i] != r) {
                continue;
            }
            int j = next[i]; // merge part i with part j
            gone[j] = true;
            next[i] = next[j];
            prev[next[j]] = i;
            parts--;
            heap = grow(heap, size + 2);
            int end = next[i] <= n - 1 ? next[next[i]] : -1;
            pairRank[i] = end > 0 && end <= n ? rank(bytes, i, end) : -1;
            if (pairRank[i] >= 0) {
                size = push(heap, size, (long) pairRank[i] << 32 | i);
            }
            int p = prev[i];
            if (p >= 0) {
                pairRank[p] = rank(bytes, p, next[i]);
                if (pairRank[p] >= 0) {
                    size = push(heap, size, (long) pairRank[p] << 32 | p);
                }
            }
        }
        return parts;
    }

    private static long[] grow(long[] heap, int needed) {
        return needed <= heap.length ? heap : Arrays.copyOf(heap, heap.length * 2);
    }

    private static int push(long[] heap, int size, long v) {
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return size;
    }

    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }

    /** The rank of bytes [from, to), or -1 if they are not a token. */
    int rank(byte[] b, int from, int to) {
        int slot = hash(b, from, to) & mask;
        int len = to - from;
        while (true) {
            byte[] t = tokens[slot];
            if (t == null) {
                return -1;
            }
            if (t.length == len && Arrays.equals(t, 0, len, b, from, to)) {
                return ranks[slot];
            }
            slot = (slot + 1) & mask;
        }
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x01000193;
        }
        return h ^ h >>> 16;
    }
}
