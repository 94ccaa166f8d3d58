package dev.warden.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /admin/v1/traffic}: this replica's counters per tenant since it started (requests by
 * status class, refusals by code, tokens, cost), read from the metrics registry and filtered to
 * the tenants the caller may see. The dashboard polls it and draws rates. Tenants past the metrics
 * label cap appear as {@code other}, for platform admins only.
 */
final class TrafficView {
    private final MeterRegistry registry;

    TrafficView(MeterRegistry registry) {
        this.registry = registry;
    }

    ObjectNode snapshot(AdminPrincipal principal) {
        Map<String, ObjectNode> tenants = new TreeMap<>();
        for (Counter c : registry.find("warden_requests").counters()) {
            ObjectNode t = tenant(tenants, c.getId().getTag("tenant"), principal);
            if (t != null) {
                String status = c.getId().getTag("status");
                String klass = status == null || status.isEmpty() ? "other" : status.charAt(0) + "xx";
                t.put("requests", t.path("requests").asLong() + (long) c.count());
                ObjectNode byClass = (ObjectNode) t.get("byStatus");
                byClass.put(klass, byClass.path(klass).asLong() + (long) c.count());
            }
        }
        for (Counter c : registry.find("warden_refusals").counters()) {
            ObjectNode t = tenant(tenants, c.getId().getTag("tenant"), principal);
            if (t != null) {
                ObjectNode refusals = (ObjectNode) t.get("refusals");
                String code = c.getId().getTag("code");
                refusals.put(code, refusals.path(code).asLong() + (long) c.count());
            }
        }
        for (Counter c : registry.find("warden_tokens").counters()) {
            ObjectNode t = tenant(tenants, c.getId().getTag("tenant"), principal);
            if (t != null) {
                String field = "in".equals(c.getId().getTag("direction")) ? "inputTokens" : "outputTokens";
                t.put(field, t.path(field).asLong() + (long) c.count());
            }
        }
        for (Counter c : registry.find("warden_cost_micros").counters()) {
            ObjectNode t = tenant(tenants, c.getId().getTag("tenant"), principal);
            if (t != null) {
                t.put("costMicros", t.path("costMicros").asLong() + (long) c.count());
            }
        }
        ObjectNode out = AdminJson.MAPPER.createObjectNode().put("at", System.currentTimeMillis());
        tenants.values().forEach(out.putArray("tenants")::add);
        return out;
    }

    private static ObjectNode tenant(Map<String, ObjectNode> tenants, String id, AdminPrincipal principal) {
        if (id == null || id.equals("_none") || !(principal.platform() || principal.sees(id))) {
            return null; // unauthenticated traffic has no tenant; a tenant admin sees its own only
        }
        return tenants.computeIfAbsent(id, t -> {
            ObjectNode n = AdminJson.MAPPER.createObjectNode().put("tenant", t).put("requests", 0).put("inputTokens", 0)
                    .put("outputTokens", 0).put("costMicros", 0);
            n.putObject("byStatus");
            n.putObject("refusals");
            return n;
        });
    }
}
