package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.config.Ids;
import dev.warden.config.Role;
import dev.warden.config.TenantStatus;
import dev.warden.config.WardenConfig;
import dev.warden.store.StoredTenant;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validates admin-API bodies for tenants and keys as strictly as {@code warden.yaml}: every field
 * typed, every reference checked against the serving config, unknown fields refused, and every
 * error reported at once with its path.
 */
final class TenantRequests {
    private TenantRequests() {
    }

    /** A checked body, or the errors found. */
    record Checked<T>(T value, List<String> errors) {
        boolean ok() {
            return errors.isEmpty();
        }
    }

    private static final Set<String> TENANT_FIELDS = Set.of("id", "tier", "regions", "models", "status");
    private static final Set<String> KEY_FIELDS = Set.of("role", "models", "expiresAt");
    /** The furthest a key's expiry may be set. */
    static final long MAX_KEY_LIFETIME_MS = 3650L * 24 * 3600 * 1000;

    /** A new tenant ({@code base} null) or a change to {@code base} (absent fields keep their value). */
    static Checked<StoredTenant> tenant(JsonNode body, StoredTenant base, WardenConfig config, long nowMs) {
        List<String> errors = new ArrayList<>();
        unknownFields(body, TENANT_FIELDS, errors);
        String id = base != null ? base.id() : text(body, "id", errors, true);
        if (base != null && body.has("id") && !base.id().equals(body.path("id").asText())) {
            errors.add("tenant.id: cannot be changed");
        }
        if (id != null && !Ids.isTenantId(id)) {
            errors.add("tenant.id: '" + id + "' (expected: 1..63 of [a-z0-9-], starting and ending alphanumeric)");
        }
        String tier = body.has("tier") ? text(body, "tier", errors, true) : base == null ? text(body, "tier", errors, true) : base.tier();
        if (tier != null && !config.tiers().containsKey(tier)) {
            errors.add("tenant.tier: unknown tier '" + tier + "' (expected one of: " + String.join(", ", config.tiers().keySet()) + ")");
        }
        List<String> regions = body.has("regions") || base == null ? list(body, "regions", errors) : base.regions();
        if (regions != null) {
            Set<String> served = config.servedRegions();
            if (regions.isEmpty()) {
                errors.add("tenant.regions: empty (expected: [\"*\"] or at least one region)");
            } else if (regions.contains("*") && regions.size() > 1) {
                errors.add("tenant.regions: '*' must stand alone");
            }
            for (String r : regions) {
                if (!r.equals("*") && !served.contains(r)) {
                    errors.add("tenant.regions: unknown region '" + r + "' (known: " + String.join(", ", served) + ")");
                }
            }
        }
        List<String> models = body.has("models") || base == null ? list(body, "models", errors) : base.models();
        if (models != null) {
            for (String m : models) {
                if (!config.models().containsKey(m)) {
                    errors.add("tenant.models: unknown model '" + m + "'");
                }
            }
        }
        TenantStatus status = base == null ? TenantStatus.ACTIVE : base.status();
        if (body.has("status")) {
            String s = text(body, "status", errors, true);
            try {
                status = s == null ? status : TenantStatus.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add("tenant.status: '" + s + "' (expected: active or suspended)");
            }
        }
        if (!errors.isEmpty()) {
            return new Checked<>(null, errors);
        }
        long created = base == null ? nowMs : base.createdAtMs();
        return new Checked<>(new StoredTenant(id, tier, regions, models, status, created, nowMs), errors);
    }

    /** A key request: its role and optional model restriction (a subset of the tenant's models). */
    /** @param expiresAtMs 0 for no expiry */
    record KeyRequest(Role role, List<String> models, long expiresAtMs) {
    }

    static Checked<KeyRequest> key(JsonNode body, Set<String> tenantModels, long nowMs) {
        List<String> errors = new ArrayList<>();
        unknownFields(body, KEY_FIELDS, errors);
        Role role = Role.DEVELOPER;
        if (body.has("role")) {
            String r = text(body, "role", errors, true);
            role = r == null ? null : Role.parse(r);
            if (r != null && role == null) {
                errors.add("key.role: '" + r + "' (expected one of: developer, viewer, service, tenant-admin)");
            }
        }
        List<String> models = body.has("models") ? list(body, "models", errors) : null;
        if (models != null) {
            for (String m : models) {
                if (!tenantModels.contains(m)) {
                    errors.add("key.models: '" + m + "' is not among the tenant's models");
                }
            }
        }
        long expiresAt = 0;
        if (body.has("expiresAt")) {
            String e = text(body, "expiresAt", errors, true);
            try {
                expiresAt = e == null ? 0 : Instant.parse(e).toEpochMilli();
                if (e != null && (expiresAt <= nowMs || expiresAt > nowMs + MAX_KEY_LIFETIME_MS)) {
                    errors.add("key.expiresAt: '" + e + "' (expected: a future instant within 10 years)");
                }
            } catch (DateTimeParseException ex) {
                errors.add("key.expiresAt: '" + e + "' (expected: an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z)");
            }
        }
        return new Checked<>(errors.isEmpty() ? new KeyRequest(role, models, expiresAt) : null, errors);
    }

    private static void unknownFields(JsonNode body, Set<String> known, List<String> errors) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                errors.add(f + ": unknown field (expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    private static String text(JsonNode body, String field, List<String> errors, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(field + ": missing");
            }
            return null;
        }
        if (!n.isTextual()) {
            errors.add(field + ": expected a string");
            return null;
        }
        return n.textValue();
    }

    private static List<String> list(JsonNode body, String field, List<String> errors) {
        JsonNode n = body.get(field);
        if (n == null || !n.isArray()) {
            errors.add(field + ": " + (n == null ? "missing" : "expected a list of strings"));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                errors.add(field + ": expected a list of strings");
                return null;
            }
            if (out.contains(e.textValue())) {
                errors.add(field + ": duplicate '" + e.textValue() + "'");
            }
            out.add(e.textValue());
        }
        return out;
    }
}
