package dev.warden.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.warden.config.FieldMask;
import dev.warden.config.GuardrailPolicy;
import dev.warden.config.PiiKind;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.observe.GatewayMetrics;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The tenant's guardrails on what goes into a model ({@link GuardrailPolicy}, from its tier): every
 * text of the prompt (chat messages' content and content parts, a system prompt, completions'
 * prompt, embeddings' input) is checked against the deny patterns and scanned for personal data
 * and secrets ({@link PiiScanner}). A blocking hit ends the request (400 {@code guardrail_blocked},
 * the rule id as the reason, never the matched text) before anything is admitted or forwarded; a
 * redaction replaces each hit with its kind's placeholder ({@code [EMAIL]}) in the body that is
 * forwarded; a logged hit changes nothing. Every hit is an audit event ({@code guardrail.hit}: rule,
 * action, count, shadow) and a metric by tenant and rule; a rule in shadow mode only does that.
 * Last, a moderation model may be asked about the prompt ({@link GuardrailPolicy.Moderation}). For
 * every model call it also names the answer's fields the caller's role may not see ({@link FieldMask}).
 */
public final class GuardStage implements Stage {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<Operation> PROMPTED = EnumSet.of(Operation.CHAT_COMPLETIONS, Operation.COMPLETIONS, Operation.EMBEDDINGS,
            Operation.MESSAGES, Operation.RESPONSES, Operation.MODERATIONS, Operation.IMAGES);

    /** Where a request's prompt texts are: chat messages, a system prompt, completions' prompt, embeddings', moderations' and responses' input, responses' instructions. */
    private static final List<String> PROMPT_FIELDS = List.of("messages", "system", "prompt", "input", "instructions");
    static final String MODERATION_UNAVAILABLE = "moderation.unavailable";

    /** Prompts longer than this are scanned on a worker thread (like admission's token count). */
    static final int ON_LOOP_MAX_BYTES = 32 * 1024;

    private final Vertx vertx;
    private final AuditWriter audit;
    private final GatewayMetrics metrics;
    private final ModerationCalls moderation;

    /**
     * {@code audit}: where hits are written (null: no control store, only counted); {@code moderation}:
     * how a moderation model is asked; {@code vertx}: its workers scan long prompts (null: all on the loop).
     */
    public GuardStage(Vertx vertx, AuditWriter audit, GatewayMetrics metrics, ModerationCalls moderation) {
        this.vertx = vertx;
        this.audit = audit;
        this.metrics = metrics;
        this.moderation = moderation;
    }

    @Override
    public String name() {
        return "guard";
    }

    /** What one request's texts hit: per rule, its action, shadow mode and count. */
    private record Tally(GuardrailPolicy.Action action, boolean shadow, int count) {
        Tally plus() {
            return new Tally(action, shadow, count + 1);
        }
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Tenant tenant = exchange.get(RequestContext.TENANT);
        if (tenant == null || tenant.tier() == null || !exchange.request().operation().usesModel()) {
            return Outcome.continueNow();
        }
        Principal p = exchange.get(RequestContext.PRINCIPAL);
        FieldMask hidden = tenant.tier().fields().answers(p == null ? null : p.role());
        if (!hidden.isEmpty()) {
            exchange.put(RequestContext.ANSWER_FIELDS, hidden); // the relay removes them; the cache keys by them
        }
        if (!PROMPTED.contains(exchange.request().operation())) {
            return Outcome.continueNow();
        }
        GuardrailPolicy policy = tenant.tier().guardrails();
        if (policy.output().any()) {
            exchange.put(RequestContext.OUTPUT_CHECK, OutputGuard.of(policy.output(), policy.allow(), audit, metrics, tenant.id(),
                    p == null ? null : p.subject(), exchange.requestId(), exchange.request().remoteAddress()));
        }
        if (!policy.any()) {
            return Outcome.continueNow();
        }
        RequestBody body = exchange.require(RequestContext.BODY);
        if (vertx != null && body.raw().length() > ON_LOOP_MAX_BYTES) { // a long prompt is scanned off the event loop
            return vertx.executeBlocking(() -> scan(body, policy), false).compose(scan -> decide(exchange, tenant, policy, body, scan));
        }
        return decide(exchange, tenant, policy, body, scan(body, policy));
    }

    /** What the rules found in a prompt, and the body to forward if some redact (null: unchanged). Pure: any thread. */
    private record Scan(Map<String, Tally> hits, RequestBody redacted) {
    }

    private static Scan scan(RequestBody body, GuardrailPolicy policy) {
        Map<String, Tally> hits = new LinkedHashMap<>();
        Set<PiiKind> kinds = policy.pii().isEmpty() ? Set.of() : EnumSet.copyOf(policy.pii().keySet());
        boolean redact = false;
        for (String text : texts(body)) {
            Allowed allowed = Allowed.in(text, policy.allow());
            for (GuardrailPolicy.DenyRule d : policy.deny()) {
                var m = d.pattern().matcher(text);
                while (m.find()) {
                    if (!allowed.covers(m.start(), m.end())) {
                        hits.merge(d.rule(), new Tally(GuardrailPolicy.Action.BLOCK, d.shadow(), 1), (a, b) -> a.plus());
                        break;
                    }
                }
            }
            for (PiiScanner.Hit h : PiiScanner.scan(text, kinds)) {
                if (allowed.covers(h.start(), h.end())) {
                    continue;
                }
                GuardrailPolicy.Rule rule = policy.pii().get(h.kind());
                hits.merge(h.kind().rule(), new Tally(rule.action(), rule.shadow(), 1), (a, b) -> a.plus());
                redact |= rule.action() == GuardrailPolicy.Action.REDACT && !rule.shadow();
            }
        }
        boolean blocks = hits.values().stream().anyMatch(t -> t.action() == GuardrailPolicy.Action.BLOCK && !t.shadow());
        return new Scan(hits, redact && !blocks ? redacted(body, policy) : null);
    }

    /** On the event loop: the hits counted and audited, then a refusal, or the (redacted) body on to moderation. */
    private Future<Outcome> decide(Exchange exchange, Tenant tenant, GuardrailPolicy policy, RequestBody body, Scan scan) {
        if (scan.hits().isEmpty()) {
            return moderate(exchange, tenant, policy.moderation(), body);
        }
        String blockedBy = null;
        for (Map.Entry<String, Tally> e : scan.hits().entrySet()) {
            Tally t = e.getValue();
            boolean blocks = t.action() == GuardrailPolicy.Action.BLOCK && !t.shadow();
            metrics.guardrailHit(tenant.id(), e.getKey(), t.action().id(), t.shadow() ? "shadow" : "enforced");
            if (blocks && blockedBy == null) {
                blockedBy = e.getKey(); // the refusal is audited as such; the others are hits of their own
            } else {
                record(exchange, e.getKey(), t);
            }
        }
        if (blockedBy != null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.GUARDRAIL_BLOCKED,
                    "The request was blocked by the tenant's guardrail rule '" + blockedBy + "'.", blockedBy));
        }
        RequestBody forwarded = body;
        if (scan.redacted() != null) {
            forwarded = scan.redacted();
            exchange.put(RequestContext.BODY, forwarded);
        }
        return moderate(exchange, tenant, policy.moderation(), forwarded);
    }

    /**
     * The moderation hook, last (the cheap rules first; what they redacted is not sent): a flagged
     * category that blocks ends the request, the others are hits; a model that cannot answer in time
     * blocks (503 {@code guardrail_unavailable}) or passes, as the policy says.
     */
    private Future<Outcome> moderate(Exchange exchange, Tenant tenant, GuardrailPolicy.Moderation mod, RequestBody body) {
        if (!mod.on()) {
            return Outcome.continueNow();
        }
        List<String> texts = texts(body);
        if (texts.isEmpty()) {
            return Outcome.continueNow();
        }
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        return moderation.flagged(snapshot, tenant, mod.model(), texts, mod.timeoutMs()).transform(ar -> {
            if (ar.failed()) {
                GuardrailPolicy.Action action = mod.failOpen() ? GuardrailPolicy.Action.LOG : GuardrailPolicy.Action.BLOCK;
                metrics.guardrailHit(tenant.id(), MODERATION_UNAVAILABLE, action.id(), mod.shadow() ? "shadow" : "enforced");
                if (!mod.failOpen() && !mod.shadow()) {
                    exchange.addResponseHeader("Retry-After", "1");
                    return Outcome.rejectNow(GatewayError.of(ErrorCode.GUARDRAIL_UNAVAILABLE,
                            "The tenant's moderation check could not be made (rule '" + MODERATION_UNAVAILABLE + "'); retry later.", MODERATION_UNAVAILABLE));
                }
                record(exchange, MODERATION_UNAVAILABLE, new Tally(action, mod.shadow(), 1));
                return Outcome.continueNow();
            }
            String blockedBy = null;
            for (String category : new java.util.TreeSet<>(ar.result())) {
                String rule = "moderation." + category;
                GuardrailPolicy.Action action = mod.blocks(category) ? GuardrailPolicy.Action.BLOCK : GuardrailPolicy.Action.LOG;
                metrics.guardrailHit(tenant.id(), rule, action.id(), mod.shadow() ? "shadow" : "enforced");
                if (action == GuardrailPolicy.Action.BLOCK && !mod.shadow() && blockedBy == null) {
                    blockedBy = rule;
                } else {
                    record(exchange, rule, new Tally(action, mod.shadow(), 1));
                }
            }
            return blockedBy == null ? Outcome.continueNow() : Outcome.rejectNow(GatewayError.of(ErrorCode.GUARDRAIL_BLOCKED,
                    "The request was blocked by the tenant's guardrail rule '" + blockedBy + "'.", blockedBy));
        });
    }

    /** Every text of the prompt, in the body's order. */
    static List<String> texts(RequestBody body) {
        List<String> out = new java.util.ArrayList<>(4);
        for (String field : PROMPT_FIELDS) {
            JsonNode n = body.field(field);
            if (n != null) {
                collect(n, out);
            }
        }
        return out;
    }

    /** The texts of a prompt field, read only: the same places {@link #replace} visits. */
    private static void collect(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.textValue());
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                collect(n, out);
            }
        } else if (node.isObject()) {
            for (String f : List.of("content", "text")) {
                JsonNode v = node.get(f);
                if (v != null && (v.isTextual() || v.isArray())) {
                    collect(v, out);
                }
            }
        }
    }

    /** The body with each redacted hit replaced by its placeholder, re-encoded. */
    private static RequestBody redacted(RequestBody body, GuardrailPolicy policy) {
        ObjectNode tree;
        try {
            tree = (ObjectNode) MAPPER.readTree(body.raw().getBytes());
        } catch (IOException e) {
            return body; // ReadBody checked it: not reached
        }
        Set<PiiKind> redacting = EnumSet.noneOf(PiiKind.class);
        policy.pii().forEach((k, r) -> {
            if (r.action() == GuardrailPolicy.Action.REDACT && !r.shadow()) {
                redacting.add(k);
            }
        });
        Set<PiiKind> all = EnumSet.copyOf(policy.pii().keySet());
        UnaryOperator<JsonNode> redact = node -> {
            String text = node.textValue();
            StringBuilder sb = new StringBuilder(text.length());
            int at = 0;
            Allowed allowed = Allowed.in(text, policy.allow());
            for (PiiScanner.Hit h : PiiScanner.scan(text, all)) { // the same hits as the check (kinds decide overlaps)
                if (redacting.contains(h.kind()) && !allowed.covers(h.start(), h.end())) {
                    sb.append(text, at, h.start()).append('[').append(h.kind().name()).append(']');
                    at = h.end();
                }
            }
            return at == 0 ? node : TextNode.valueOf(sb.append(text, at, text.length()).toString());
        };
        for (String field : PROMPT_FIELDS) {
            JsonNode v = tree.get(field);
            if (v != null) {
                tree.set(field, replace(v, redact));
            }
        }
        return RequestBody.of(tree);
    }

    /**
     * Applies {@code visit} to the texts of a prompt field: a string; an array of strings or of
     * messages; a message's {@code content} (a string, or parts whose {@code text} is one).
     */
    private static JsonNode replace(JsonNode node, UnaryOperator<JsonNode> visit) {
        if (node.isTextual()) {
            return visit.apply(node);
        }
        if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, replace(a.get(i), visit));
            }
            return a;
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            for (String f : List.of("content", "text")) {
                JsonNode v = o.get(f);
                if (v != null && (v.isTextual() || v.isArray())) {
                    o.set(f, replace(v, visit));
                }
            }
            return o;
        }
        return node;
    }

    private void record(Exchange exchange, String rule, Tally t) {
        if (audit == null) {
            return;
        }
        Principal p = exchange.get(RequestContext.PRINCIPAL);
        ObjectNode detail = MAPPER.createObjectNode().put("rule", rule).put("action", t.action().id()).put("count", t.count())
                .put("shadow", t.shadow());
        audit.record(new AuditEvent(System.currentTimeMillis(), exchange.verifiedTenant(), p == null ? null : p.subject(), "guardrail.hit",
                "allow", rule + ":" + (t.shadow() ? "shadow" : t.action().id()), exchange.requestId(), exchange.request().remoteAddress(),
                detail.toString()));
    }
}
