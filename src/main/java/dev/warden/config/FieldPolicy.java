package dev.warden.config;

import java.util.EnumMap;
import java.util.Map;

/**
 * Field-level permissions of a tenant: per data-plane role, the fields of a model's answer its
 * callers do not see ({@code answers}); per admin principal kind ({@code platform-admin},
 * {@code platform-auditor}, {@code tenant-admin}), the fields of the tenant's admin records they do
 * not see ({@code records}: {@code audit.<field>} of audit events, {@code usage.<grouping>} of usage
 * reports). What is not named is seen. From the tier (the template), or the tenant's own
 * {@code fields} settings in its place.
 */
public record FieldPolicy(Map<Role, FieldMask> answers, Map<String, FieldMask> records) {
    public static final FieldPolicy NONE = new FieldPolicy(Map.of(), Map.of());
    /** The admin principal kinds a record mask may name. */
    public static final java.util.Set<String> RECORD_READERS = java.util.Set.of("platform-admin", "platform-auditor", "tenant-admin");
    /** The records a mask may name, each with the fields it has. */
    public static final Map<String, java.util.Set<String>> RECORD_FIELDS = Map.of(
            "audit", java.util.Set.of("principal", "source", "detail", "reason", "requestId"),
            "usage", java.util.Set.of("key", "user", "model"));

    public FieldPolicy {
        answers = answers.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(answers));
        records = Map.copyOf(records);
    }

    /** What callers with this role do not see of an answer. */
    public FieldMask answers(Role role) {
        return role == null ? FieldMask.NONE : answers.getOrDefault(role, FieldMask.NONE);
    }

    /** What an admin principal of this kind does not see of {@code record} ({@code audit}, {@code usage}). */
    public FieldMask records(String readerKind, String record) {
        FieldMask m = records.get(readerKind);
        return m == null ? FieldMask.NONE : m.under(record);
    }

    public boolean any() {
        return !answers.isEmpty() || !records.isEmpty();
    }
}
