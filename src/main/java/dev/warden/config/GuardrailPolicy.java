package dev.warden.config;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a tier's guardrails check in every prompt (chat messages, completions' prompt, embeddings'
 * input): personal data and secrets by kind ({@link PiiKind}), each blocked, redacted (replaced by
 * a typed placeholder such as {@code [EMAIL]}) or only logged; and deny patterns that block. Each
 * rule may be in shadow mode: its hits are audited and counted, and nothing is blocked or changed.
 *
 * @param pii             per kind, what is done with its hits (absent: not looked for)
 * @param deny            patterns (Java regular expressions) that block a prompt, in order
 * @param maxPromptTokens per model (or {@code *} for any other), the most prompt tokens a request
 *                        may send (counted with the model's encoding by admission; rule {@code max_prompt_tokens})
 * @param allow           patterns whose matches no rule hits, on prompts and answers alike (a test card
 *                        number, the company's own addresses)
 * @param moderation      a moderation model asked about every prompt ({@link Moderation#NONE}: none)
 */
public record GuardrailPolicy(Map<PiiKind, Rule> pii, List<DenyRule> deny, Map<String, Long> maxPromptTokens, Output output,
                              List<Pattern> allow, Moderation moderation) {
    public static final GuardrailPolicy NONE = new GuardrailPolicy(Map.of(), List.of(), Map.of(), Output.NONE, List.of(), Moderation.NONE);

    /**
     * A moderation hook: the prompt's texts are sent to {@code model} (a configured model whose pool
     * serves OpenAI's {@code /v1/moderations}, on an upstream in a region the tenant allows), and a
     * flagged verdict blocks (rule {@code moderation.<category>}). A moderation server that fails or
     * does not answer within {@code timeoutMs} blocks ({@code failOpen} false: closed, the default)
     * or lets the prompt pass ({@code failOpen} true), rule {@code moderation.unavailable} either way.
     *
     * @param categories the categories that block (empty: any the model flags)
     * @param shadow     verdicts are audited and counted, nothing is blocked
     */
    public record Moderation(String model, long timeoutMs, boolean failOpen, java.util.Set<String> categories, boolean shadow) {
        public static final Moderation NONE = new Moderation(null, 0, false, java.util.Set.of(), false);
        public static final long DEFAULT_TIMEOUT_MS = 2_000;

        public Moderation {
            categories = java.util.Set.copyOf(categories);
        }

        public boolean on() {
            return model != null;
        }

        /** Whether a flagged category blocks. */
        public boolean blocks(String category) {
            return categories.isEmpty() || categories.contains(category);
        }
    }

    /**
     * The rules on what a model streams back: its personal data and secrets, and deny patterns;
     * a {@code block} ends the stream with a terminal error event (what was produced is billed);
     * {@code redact} and {@code log} are logged (text already sent cannot be taken back).
     */
    public record Output(Map<PiiKind, Rule> pii, List<DenyRule> deny) {
        public static final Output NONE = new Output(Map.of(), List.of());

        public Output {
            pii = pii.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(pii));
            deny = List.copyOf(deny);
        }

        public boolean any() {
            return !pii.isEmpty() || !deny.isEmpty();
        }
    }
    public static final String MAX_PROMPT_TOKENS = "max_prompt_tokens";

    /** What a rule does with a hit. */
    public enum Action {
        BLOCK, REDACT, LOG;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A personal-data rule: its action, and whether it is in shadow mode. */
    public record Rule(Action action, boolean shadow) {
        public Rule {
            Objects.requireNonNull(action, "action");
        }
    }

    /** A deny pattern: its rule id ({@code deny.<id>}), the pattern, and whether it is in shadow mode. */
    public record DenyRule(String id, Pattern pattern, boolean shadow) {
        public String rule() {
            return "deny." + id;
        }
    }

    public GuardrailPolicy {
        pii = pii.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(pii));
        deny = List.copyOf(deny);
        maxPromptTokens = Map.copyOf(maxPromptTokens);
        output = output == null ? Output.NONE : output;
        allow = List.copyOf(allow);
        moderation = moderation == null ? Moderation.NONE : moderation;
    }

    /** The most prompt tokens a request to {@code model} may send (0: no cap of the guardrails). */
    public long maxPromptTokens(String model) {
        Long cap = maxPromptTokens.get(model);
        return cap != null ? cap : maxPromptTokens.getOrDefault("*", 0L);
    }

    public boolean any() {
        return !pii.isEmpty() || !deny.isEmpty() || moderation.on(); // the prompt cap is admission's, where the tokens are counted
    }
}
