package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The one strict reader of configuration documents, whether they come from {@code warden.yaml}
 * or through the admin API (a tenant's settings, an operator key, a role binding): every field
 * typed and bounded, unknown fields refused (a typo must not silently fall back to a default), and
 * every error collected with its path ({@code tenants.acme.tier: missing}) instead of stopping at
 * the first. Messages read {@code path: value (expected: ...)}.
 */
public final class ConfigReader {
    private final List<String> errors = new ArrayList<>();
    /** A JSON body of the admin API: an explicit {@code null} is an error, not an absent field (YAML's empty value is). */
    private final boolean nullRefused;

    /** For {@code warden.yaml} and settings already stored: a null value is an absent field. */
    public ConfigReader() {
        this(false);
    }

    private ConfigReader(boolean nullRefused) {
        this.nullRefused = nullRefused;
    }

    /** For a JSON body of the admin API: every field of its one type, and {@code null} is none of them. */
    public static ConfigReader forJsonBody() {
        return new ConfigReader(true);
    }

    /** Whether a field is absent: not there, or null where nulls are allowed (one refused is an error, then absent). */
    private boolean absent(JsonNode n, String path) {
        if (n == null || n.isMissingNode()) {
            return true;
        }
        if (!n.isNull()) {
            return false;
        }
        if (nullRefused) {
            error(path, "null (expected: a value of the field's type, or the field left out)");
        }
        return true;
    }

    public List<String> errors() {
        return errors;
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public void error(String path, String message) {
        errors.add(path + ": " + message);
    }

    /** Flags fields not in {@code known}. */
    public void onlyKnown(JsonNode node, String path, Set<String> known) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                error(join(path, f), "unknown field (expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    /** True if {@code node} is a mapping; an error if it is something else, or absent and required. */
    public boolean isObject(JsonNode node, String path, boolean required) {
        if (absent(node, path)) {
            if (required && !(nullRefused && node != null && node.isNull())) {
                error(path, "missing");
            }
            return false;
        }
        if (!node.isObject()) {
            error(path, "expected a mapping");
            return false;
        }
        return true;
    }

    /** {@link #isObject}, and its fields not in {@code known} are errors. */
    public boolean object(JsonNode node, String path, Set<String> known, boolean required) {
        if (!isObject(node, path, required)) {
            return false;
        }
        onlyKnown(node, path, known);
        return true;
    }

    /** A string field (any string, the empty one too), or {@code dflt}. */
    public String string(JsonNode parent, String path, String field, String dflt, boolean required) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (absent(n, p)) {
            if (required) {
                error(p, "missing");
            }
            return dflt;
        }
        if (!n.isTextual()) {
            error(p, "expected a string");
            return dflt;
        }
        return n.textValue();
    }

    /** A non-empty string field of at most {@code maxLength} characters, or null. */
    public String text(JsonNode parent, String path, String field, boolean required, int maxLength) {
        String s = string(parent, path, field, null, required);
        if (s == null) {
            return null;
        }
        if (s.isEmpty()) {
            error(join(path, field), "empty (expected: a non-empty string)");
            return null;
        }
        if (s.length() > maxLength) {
            error(join(path, field), s.length() + " characters (expected: at most " + maxLength + ")");
            return null;
        }
        return s;
    }

    /** One of {@code allowed}, or {@code dflt} (a null {@code dflt} makes the field required). */
    public String oneOf(JsonNode parent, String path, String field, Set<String> allowed, String dflt) {
        String s = text(parent, path, field, dflt == null, 64);
        if (s == null) {
            return dflt;
        }
        if (!allowed.contains(s)) {
            error(join(path, field), "'" + s + "' (expected one of: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            return dflt;
        }
        return s;
    }

    public int integer(JsonNode parent, String path, String field, int dflt, int min, int max) {
        return (int) longValue(parent, path, field, dflt, min, max, false);
    }

    public long longValue(JsonNode parent, String path, String field, long dflt, long min, long max) {
        return longValue(parent, path, field, dflt, min, max, false);
    }

    /** An integer in {@code min..max}, or {@code dflt} (absent, or in error). */
    public long longValue(JsonNode parent, String path, String field, long dflt, long min, long max, boolean required) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (absent(n, p)) {
            if (required) {
                error(p, "missing");
            }
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            error(p, n.asText() + " (expected: an integer)");
            return dflt;
        }
        long v = n.longValue();
        if (v < min || v > max) {
            error(p, v + " (expected: " + min + ".." + max + ")");
            return dflt;
        }
        return v;
    }

    /** A number in {@code min..max} with at most three decimals, or {@code dflt} (absent, or in error). */
    public double decimal(JsonNode parent, String path, String field, double dflt, double min, double max) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (absent(n, p)) {
            return dflt;
        }
        if (!n.isNumber()) {
            error(p, n.asText() + " (expected: a number)");
            return dflt;
        }
        BigDecimal v = n.decimalValue().stripTrailingZeros();
        BigDecimal low = BigDecimal.valueOf(min).stripTrailingZeros();
        BigDecimal high = BigDecimal.valueOf(max).stripTrailingZeros();
        if (v.compareTo(low) < 0 || v.compareTo(high) > 0) {
            error(p, v.toPlainString() + " (expected: " + low.toPlainString() + ".." + high.toPlainString() + ")");
            return dflt;
        }
        if (v.scale() > 3) {
            error(p, v.toPlainString() + " (expected: at most three decimals)");
            return dflt;
        }
        return v.doubleValue();
    }

    public boolean bool(JsonNode parent, String path, String field, boolean dflt) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (absent(n, join(path, field))) {
            return dflt;
        }
        if (!n.isBoolean()) {
            error(join(path, field), n.asText() + " (expected: true or false)");
            return dflt;
        }
        return n.booleanValue();
    }

    /** A list of distinct strings, or null (absent, or not a list). */
    public List<String> strings(JsonNode parent, String path, String field, boolean required) {
        return strings(parent, path, field, required, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * A list of at most {@code maxItems} distinct strings of at most {@code maxLength} characters,
     * or null; with bounds given (not {@link Integer#MAX_VALUE}) each string must also be non-empty.
     */
    public List<String> strings(JsonNode parent, String path, String field, boolean required, int maxItems, int maxLength) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (absent(n, p)) {
            if (required) {
                error(p, "missing");
            }
            return null;
        }
        if (!n.isArray()) {
            error(p, "expected a list of strings");
            return null;
        }
        if (n.size() > maxItems) {
            error(p, n.size() + " items (expected: at most " + maxItems + ")");
            return null;
        }
        boolean bounded = maxLength != Integer.MAX_VALUE;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                error(p + "[" + i + "]", "expected a string");
            } else if (bounded && (e.textValue().isEmpty() || e.textValue().length() > maxLength)) {
                error(p + "[" + i + "]", e.textValue().length() + " characters (expected: 1.." + maxLength + ")");
            } else if (out.contains(e.textValue())) {
                error(p + "[" + i + "]", "duplicate '" + e.textValue() + "'");
            } else {
                out.add(e.textValue());
            }
        }
        return out;
    }

    /**
     * A required list of non-empty strings, the field named by the last part of {@code path}
     * (repeats allowed); an empty list when it is absent or in error.
     */
    public List<String> requiredStrings(JsonNode parent, String path) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        JsonNode n = parent.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || !n.isArray()) {
            error(path, "(expected: a list of strings)");
            return out;
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || e.textValue().isEmpty()) {
                error(path, "(expected: a list of non-empty strings)");
                return out;
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** Calls {@code each} for every entry of a mapping field. */
    public void entries(JsonNode parent, String path, String field, boolean required, EntryReader each) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (!isObject(n, p, required)) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String ep = join(p, e.getKey());
            if (!e.getValue().isObject()) {
                error(ep, "expected a mapping");
                continue;
            }
            each.read(e.getKey(), e.getValue(), ep);
        }
    }

    /** Calls {@code each} for every element of a list field (each a mapping). */
    public void elements(JsonNode parent, String path, String field, boolean required, Consumer<Element> each) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (absent(n, p)) {
            if (required) {
                error(p, "missing");
            }
            return;
        }
        if (!n.isArray()) {
            error(p, "expected a list");
            return;
        }
        for (int i = 0; i < n.size(); i++) {
            String ep = p + "[" + i + "]";
            if (!n.get(i).isObject()) {
                error(ep, "expected a mapping");
                continue;
            }
            each.accept(new Element(n.get(i), ep));
        }
    }

    public record Element(JsonNode node, String path) {
    }

    @FunctionalInterface
    public interface EntryReader {
        void read(String name, JsonNode node, String path);
    }

    public static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
