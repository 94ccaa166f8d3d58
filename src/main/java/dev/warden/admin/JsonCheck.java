package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Path-aware strict reading of an admin-API JSON document: every field typed and bounded, unknown
 * fields refused, every error collected (with its path) so one answer names them all.
 */
final class JsonCheck {
    private final List<String> errors = new ArrayList<>();

    List<String> errors() {
        return errors;
    }

    boolean ok() {
        return errors.isEmpty();
    }

    void error(String path, String message) {
        errors.add(path + ": " + message);
    }

    /** True if {@code n} is an object (else an error, unless absent and optional); unknown fields are errors. */
    boolean object(JsonNode n, String path, Set<String> known, boolean required) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            if (required) {
                error(path, "missing");
            }
            return false;
        }
        if (!n.isObject()) {
            error(path, "expected an object");
            return false;
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                error(path.isEmpty() ? f : path + "." + f, "unknown field (expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
        return true;
    }

    String string(JsonNode parent, String path, String field, boolean required, int maxLength) {
        JsonNode n = parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
            if (required) {
                error(p, "missing");
            }
            return null;
        }
        if (!n.isTextual() || n.textValue().isEmpty()) {
            error(p, "expected a non-empty string");
            return null;
        }
        if (n.textValue().length() > maxLength) {
            error(p, "longer than " + maxLength + " characters");
            return null;
        }
        return n.textValue();
    }

    String oneOf(JsonNode parent, String path, String field, Set<String> allowed, String dflt) {
        String s = string(parent, path, field, dflt == null, 64);
        if (s == null) {
            return dflt;
        }
        if (!allowed.contains(s)) {
            error(join(path, field), "'" + s + "' (expected one of: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            return dflt;
        }
        return s;
    }

    long integer(JsonNode parent, String path, String field, long dflt, long min, long max, boolean required) {
        JsonNode n = parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
            if (required) {
                error(p, "missing");
            }
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            error(p, n + " (expected: an integer in " + min + ".." + max + ")");
            return dflt;
        }
        return n.longValue();
    }

    boolean bool(JsonNode parent, String path, String field, boolean dflt) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            error(join(path, field), "expected true or false");
            return dflt;
        }
        return n.booleanValue();
    }

    /** A list of distinct non-empty strings (each at most 256 characters, at most {@code maxItems}). */
    List<String> strings(JsonNode parent, String path, String field, boolean required, int maxItems) {
        JsonNode n = parent.get(field);
        String p = join(path, field);
        if (n == null || n.isNull()) {
            if (required) {
                error(p, "missing");
            }
            return null;
        }
        if (!n.isArray() || n.size() > maxItems) {
            error(p, "expected a list of at most " + maxItems + " strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual() || e.textValue().isEmpty() || e.textValue().length() > 256) {
                error(p, "expected non-empty strings of at most 256 characters");
                return null;
            }
            if (out.contains(e.textValue())) {
                error(p, "duplicate '" + e.textValue() + "'");
            }
            out.add(e.textValue());
        }
        return out;
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
