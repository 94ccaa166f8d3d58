package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Fields removed from a JSON document before it leaves Warden, by path: {@code logprobs},
 * {@code choices[].logprobs}, {@code choices[].message.tool_calls} ({@code name[]} walks every
 * element of an array). On a streamed chunk a path under {@code choices[].message.} also removes
 * the same field under {@code choices[].delta.}, where streams carry it.
 */
public final class FieldMask {
    public static final FieldMask NONE = new FieldMask(List.of());
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]{1,64}(\\[\\])?");
    private static final String MESSAGE = "choices[].message.";

    private final List<String> paths;
    /** The paths split once, and for streamed chunks with the message paths' delta twins: not per event. */
    private final List<String[]> whole;
    private final List<String[]> chunk;

    public FieldMask(List<String> paths) {
        this.paths = List.copyOf(paths);
        this.whole = this.paths.stream().map(p -> p.split("\\.")).toList();
        List<String[]> withDeltas = new ArrayList<>(whole);
        for (String p : this.paths) {
            if (p.startsWith(MESSAGE)) {
                withDeltas.add(("choices[].delta." + p.substring(MESSAGE.length())).split("\\."));
            }
        }
        this.chunk = List.copyOf(withDeltas);
    }

    public List<String> paths() {
        return paths;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldMask m && m.paths.equals(paths);
    }

    @Override
    public int hashCode() {
        return paths.hashCode();
    }

    @Override
    public String toString() {
        return "FieldMask" + paths;
    }

    /** Whether {@code path} is one a mask may name: dot-separated field names, each maybe followed by {@code []}. */
    public static boolean valid(String path) {
        if (path == null || path.isEmpty() || path.length() > 256) {
            return false;
        }
        for (String s : path.split("\\.", -1)) {
            if (!SEGMENT.matcher(s).matches()) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return paths.isEmpty();
    }

    /** Whether the mask names exactly this path. */
    public boolean hides(String path) {
        return paths.contains(path);
    }

    /** The paths under {@code prefix.} with that prefix taken off ({@code audit.source} under {@code audit}: {@code source}). */
    public FieldMask under(String prefix) {
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            if (p.startsWith(prefix + ".")) {
                out.add(p.substring(prefix.length() + 1));
            }
        }
        return out.isEmpty() ? NONE : new FieldMask(out);
    }

    /** Removes every masked field from a whole document, in place; true if anything was removed. */
    public boolean strip(JsonNode root) {
        return removeAll(root, whole);
    }

    /** The same for one chunk of a stream: message paths apply to the chunk's delta too. */
    public boolean stripChunk(JsonNode root) {
        return removeAll(root, chunk);
    }

    private static boolean removeAll(JsonNode root, List<String[]> paths) {
        boolean removed = false;
        for (String[] p : paths) {
            removed |= remove(root, p, 0);
        }
        return removed;
    }

    private static boolean remove(JsonNode node, String[] segs, int i) {
        if (node == null || !node.isObject()) {
            return false;
        }
        String seg = segs[i];
        boolean array = seg.endsWith("[]");
        String name = array ? seg.substring(0, seg.length() - 2) : seg;
        if (i == segs.length - 1 && !array) {
            return ((ObjectNode) node).remove(name) != null;
        }
        JsonNode child = node.get(name);
        if (child == null) {
            return false;
        }
        if (!array) {
            return remove(child, segs, i + 1);
        }
        if (!child.isArray()) {
            return false;
        }
        if (i == segs.length - 1) {
            return ((ObjectNode) node).remove(name) != null; // "tools[]" as the last segment: the whole array
        }
        boolean removed = false;
        for (JsonNode element : child) {
            removed |= remove(element, segs, i + 1);
        }
        return removed;
    }
}
