package dev.warden.guard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.GuardrailPolicy;
import dev.warden.config.PiiKind;
import dev.warden.exchange.OutputCheck;
import dev.warden.observe.GatewayMetrics;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The output rules of one streamed answer ({@link GuardrailPolicy.Output}): each piece of text is
 * checked together with the last {@value #CARRY} characters before it, so what is split across
 * events is still found; a hit that lies wholly in that carried text was reported with the piece
 * before. A blocking rule (not in shadow mode) ends the stream; every rule hit is audited and
 * counted once per answer, never with the text. Used by one relay on one event loop.
 */
final class OutputGuard implements OutputCheck {
    /** Longer than any one finding the scanner makes except a long secret (whose start is enough to match). */
    static final int CARRY = 96;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final GuardrailPolicy.Output rules;
    private final List<Pattern> allow;
    private final Set<PiiKind> kinds;
    private final Set<String> reported = new HashSet<>();
    private final Hits hits;
    private String carried = "";

    /** Where a rule's first hit in this answer goes (audit and metrics). */
    interface Hits {
        void hit(String rule, GuardrailPolicy.Action action, boolean shadow);
    }

    OutputGuard(GuardrailPolicy.Output rules, List<Pattern> allow, Hits hits) {
        this.rules = rules;
        this.allow = allow;
        this.kinds = rules.pii().isEmpty() ? Set.of() : EnumSet.copyOf(rules.pii().keySet());
        this.hits = hits;
    }

    /** Hits go to the audit log (as {@code guardrail.output} events) and the metrics. */
    static OutputGuard of(GuardrailPolicy.Output rules, List<Pattern> allow, AuditWriter audit, GatewayMetrics metrics, String tenant,
                          String principal, String requestId, String source) {
        return new OutputGuard(rules, allow, (rule, action, shadow) -> {
            boolean blocks = action == GuardrailPolicy.Action.BLOCK && !shadow;
            metrics.guardrailHit(tenant, "output." + rule, action.id(), shadow ? "shadow" : "enforced");
            if (audit != null) {
                audit.record(new AuditEvent(System.currentTimeMillis(), tenant, principal, "guardrail.output", blocks ? "deny" : "allow",
                        rule + ":" + (shadow ? "shadow" : action.id()), requestId, source,
                        MAPPER.createObjectNode().put("rule", rule).put("action", action.id()).put("shadow", shadow).toString()));
            }
        });
    }

    @Override
    public String feed(String piece) {
        if (piece == null || piece.isEmpty()) {
            return null;
        }
        String text = carried + piece;
        int fresh = carried.length(); // a hit must reach past this to be news
        String blocked = null;
        Allowed allowed = Allowed.in(text, allow);
        for (GuardrailPolicy.DenyRule d : rules.deny()) {
            var m = d.pattern().matcher(text);
            while (m.find()) {
                if (m.end() > fresh && !allowed.covers(m.start(), m.end())) {
                    blocked = first(blocked, report(d.rule(), GuardrailPolicy.Action.BLOCK, d.shadow()));
                    break;
                }
            }
        }
        for (PiiScanner.Hit h : PiiScanner.scan(text, kinds)) {
            if (h.end() > fresh && !allowed.covers(h.start(), h.end())) {
                GuardrailPolicy.Rule rule = rules.pii().get(h.kind());
                blocked = first(blocked, report(h.kind().rule(), rule.action(), rule.shadow()));
            }
        }
        carried = text.length() <= CARRY ? text : text.substring(text.length() - CARRY);
        return blocked;
    }

    /** Reports a rule's first hit; the rule's id if it blocks. */
    private String report(String rule, GuardrailPolicy.Action action, boolean shadow) {
        if (reported.add(rule)) {
            hits.hit(rule, action, shadow);
        }
        return action == GuardrailPolicy.Action.BLOCK && !shadow ? rule : null;
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }
}
