package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads field-level permissions, a tier's {@code fields} in {@code warden.yaml} and a tenant's
 * {@code fields} settings alike: {@code {answers: {<role>: [path]}, records: {<admin kind>: [audit.<f>|usage.<f>]}}}.
 */
final class FieldsReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FieldsReader() {
    }

    static FieldPolicy read(ConfigReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, false)) {
            return FieldPolicy.NONE;
        }
        r.onlyKnown(n, path, Set.of("answers", "records"));
        Map<Role, FieldMask> answers = new EnumMap<>(Role.class);
        JsonNode a = n.get("answers");
        if (r.isObject(a, path + ".answers", false)) {
            a.fields().forEachRemaining(e -> {
                Role role = Role.parse(e.getKey());
                if (role == null || role == Role.VIEWER) {
                    r.error(path + ".answers." + e.getKey(), "not a role that calls models (expected: developer, service, tenant-admin)");
                    return;
                }
                answers.put(role, new FieldMask(paths(r, e.getValue(), path + ".answers." + e.getKey(), null)));
            });
        }
        Map<String, FieldMask> records = new TreeMap<>();
        JsonNode rec = n.get("records");
        if (r.isObject(rec, path + ".records", false)) {
            rec.fields().forEachRemaining(e -> {
                if (!FieldPolicy.RECORD_READERS.contains(e.getKey())) {
                    r.error(path + ".records." + e.getKey(), "unknown reader (expected: platform-admin, platform-auditor, tenant-admin)");
                    return;
                }
                records.put(e.getKey(), new FieldMask(paths(r, e.getValue(), path + ".records." + e.getKey(), FieldPolicy.RECORD_FIELDS)));
            });
        }
        return new FieldPolicy(answers, records);
    }

    /** A list of paths; with {@code known}, each must be {@code <record>.<field>} of those. */
    private static List<String> paths(ConfigReader r, JsonNode list, String path, Map<String, Set<String>> known) {
        List<String> out = new ArrayList<>();
        if (!list.isArray() || list.size() > 100) {
            r.error(path, "expected a list of at most 100 field paths");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String p = list.get(i).isTextual() ? list.get(i).textValue() : null;
            String at = path + "[" + i + "]";
            if (!FieldMask.valid(p)) {
                r.error(at, "'" + list.get(i).asText() + "' (expected a field path such as choices[].logprobs)");
            } else if (known != null && !knownRecordField(p, known)) {
                r.error(at, "'" + p + "' (expected audit.<principal|source|detail|reason|requestId> or usage.<key|user|model>)");
            } else if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean knownRecordField(String p, Map<String, Set<String>> known) {
        int dot = p.indexOf('.');
        return dot > 0 && known.getOrDefault(p.substring(0, dot), Set.of()).contains(p.substring(dot + 1));
    }

    /** The stored form: {@code {answers: {<role>: [path]}, records: {<kind>: [path]}}}. */
    static ObjectNode write(FieldPolicy policy) {
        ObjectNode out = MAPPER.createObjectNode();
        ObjectNode answers = out.putObject("answers");
        policy.answers().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> e.getValue().paths().forEach(answers.withArray(e.getKey().id())::add));
        ObjectNode records = out.putObject("records");
        new TreeMap<>(policy.records()).forEach((k, m) -> m.paths().forEach(records.withArray(k)::add));
        return out;
    }
}
