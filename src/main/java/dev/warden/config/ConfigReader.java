package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Walks a parsed YAML tree, reading typed fields and collecting every error with its path
 * ({@code tenants.acme.tier: missing}) instead of stopping at the first.
 */
final class ConfigReader {
    private final List<String> errors = new ArrayList<>();

    List<String> errors() {
        return errors;
    }

    void error(String path, String message) {
        errors.add(path + ": " + message);
    }

    /** Flags fields not in {@code known}: a typo must not silently fall back to a default. */
    void onlyKnown(JsonNode node, String path, Set<String> known) {
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

    boolean isObject(JsonNode node, String path, boolean required) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            if (required) {
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

    String string(JsonNode parent, String path, String field, String dflt, boolean required) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
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

    int integer(JsonNode parent, String path, String field, int dflt, int min, int max) {
        long v = longValue(parent, path, field, dflt, min, max);
        return (int) v;
    }

    long longValue(JsonNode parent, String path, String field, long dflt, long min, long max) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
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

    boolean bool(JsonNode parent, String path, String field, boolean dflt) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            error(join(path, field), n.asText() + " (expected: true or false)");
            return dflt;
        }
        return n.booleanValue();
    }

    List<String> strings(JsonNode parent, String path, String field, boolean required) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
            if (required) {
                error(p, "missing");
            }
            return null;
        }
        if (!n.isArray()) {
            error(p, "expected a list of strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                error(p + "[" + i + "]", "expected a string");
            } else if (out.contains(e.textValue())) {
                error(p + "[" + i + "]", "duplicate '" + e.textValue() + "'");
            } else {
                out.add(e.textValue());
            }
        }
        return out;
    }

    /** Calls {@code each} for every entry of a mapping field. */
    void entries(JsonNode parent, String path, String field, boolean required, EntryReader each) {
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

    void elements(JsonNode parent, String path, String field, boolean required, Consumer<Element> each) {
        JsonNode n = parent == null ? null : parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
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

    record Element(JsonNode node, String path) {
    }

    @FunctionalInterface
    interface EntryReader {
        void read(String name, JsonNode node, String path);
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
