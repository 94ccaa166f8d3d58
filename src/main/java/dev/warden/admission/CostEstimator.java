package dev.warden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.config.GuardrailPolicy;
import dev.warden.config.ModelConfig;
import dev.warden.config.PredictCost;
import dev.warden.config.Tenant;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RequestBody;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Usage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * A request's worst-case cost. Output: {@code max_tokens} / {@code max_completion_tokens} (the
 * smaller when both are set), lowered to the tier's and the model's cap; absent, the model's
 * {@code defaultMaxTokens} under those caps, which the gateway then sets on the forwarded request
 * so the upstream can never produce more than was reserved. Times {@code n} choices (1..
 * {@value #MAX_CHOICES}), or {@code best_of} candidates ({@code n}..{@value #MAX_CHOICES}). At most
 * {@value #MAX_STOP} stop sequences and {@value #MAX_TOOLS} tools (400 beyond). Input: the prompt counted with the model's encoding
 * ({@link TokenCounter}); above the model's {@code maxInputTokens}, 413 before anything is sent.
 * Price: the model's per-1k prices, rounded up to whole micro-units as settlement does.
 */
public final class CostEstimator {
    static final int MAX_CHOICES = 16;
    /** OpenAI's own limits: at most 4 stop sequences and 128 tools (more is a flood, not a request). */
    static final int MAX_STOP = 4;
    static final int MAX_TOOLS = 128;
    private static final ConcurrentHashMap<String, TokenCounter> COUNTERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, ToLongFunction<String>> TEXT_COUNTERS = new ConcurrentHashMap<>();

    /** Counts a text's tokens in the model's encoding (an answer whose upstream reported no usage). */
    public static ToLongFunction<String> textCounter(ModelConfig model) {
        return TEXT_COUNTERS.computeIfAbsent(model.encoding(), e -> {
            TokenCounter counter = COUNTERS.computeIfAbsent(e, TokenCounter::new);
            return counter::text;
        });
    }

    /** An estimate, or the refusal of a request whose limits are malformed or too large. */
    /**
     * The estimate, or why the request is refused. {@code inputBounded}: the estimate's input is an
     * upper bound of the prompt's tokens, not their count ({@link #exactPrompt} counts them).
     */
    public record Result(CostEstimate estimate, GatewayError error, boolean inputBounded) {
        Result(CostEstimate estimate, GatewayError error) {
            this(estimate, error, false);
        }
    }

    private CostEstimator() {
    }

    /**
     * Loads the encodings the configured models use (a BPE table takes a few hundred milliseconds
     * to read), so that no request pays for it. Blocking: call it from a worker thread, at start.
     */
    public static void warm(Collection<ModelConfig> models) {
        for (ModelConfig m : models) {
            COUNTERS.computeIfAbsent(m.encoding(), TokenCounter::new).text("warm");
        }
    }

    /** Audio tokens a byte of an uploaded file is taken to be worth, worst case (low-bitrate speech: ~100 bytes an audio token). */
    static final int AUDIO_BYTES_PER_TOKEN = 100;

    public static Result estimate(Operation operation, RequestBody body, ModelConfig model, Tenant tenant) {
        return estimate(operation, body, model, tenant, 0, true);
    }

    /**
     * {@code audioBytes}: the size of an audio request's file (its input is estimated from it);
     * {@code exact}: a limit, quota, budget or seat is charged with the prompt's tokens, so they are
     * counted; otherwise an upper bound does (each text's UTF-8 length, no BPE), and the prompt is
     * counted only if the bound passes the model's or the tenant's prompt cap.
     */
    public static Result estimate(Operation operation, RequestBody body, ModelConfig model, Tenant tenant, long audioBytes,
                                  boolean exact) {
        if (operation == Operation.PREDICT) {
            return predict(body, model);
        }
        if (!operation.modelInBody() || body == null) {
            return ok(new CostEstimate(0, 0, 0, 0, 0, false));
        }
        boolean output = operation != Operation.EMBEDDINGS && operation != Operation.MODERATIONS;
        int cap = model.maxOutputTokens();
        if (tenant.tier() != null && tenant.tier().maxOutputTokens() > 0) {
            cap = Math.min(cap, tenant.tier().maxOutputTokens());
        }
        long requested = Long.MAX_VALUE;
        for (String field : operation.outputCapFields()) {
            JsonNode mt = body.field(field);
            if (mt == null || mt.isNull()) {
                continue;
            }
            if (!mt.isIntegralNumber() || !mt.canConvertToLong() || mt.longValue() < 1) {
                return refused("'" + field + "' must be a positive integer.", "max_tokens_malformed");
            }
            requested = Math.min(requested, mt.longValue());
        }
        boolean absent = requested == Long.MAX_VALUE;
        int perChoice = !output ? 0 : (int) Math.min(cap, absent ? Math.min(model.defaultMaxTokens(), cap) : requested);
        if (operation == Operation.IMAGES || operation.audio()) { // as long as the model makes it: its cap, worst case
            perChoice = model.maxOutputTokens();
        }
        int choices = 1;
        JsonNode n = body.field("n");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > MAX_CHOICES) {
                return refused("'n' must be an integer from 1 to " + MAX_CHOICES + ".", "n_malformed");
            }
            choices = n.intValue();
        }
        JsonNode bestOf = body.field("best_of"); // completions: best_of candidates are generated, n returned
        if (bestOf != null && !bestOf.isNull()) {
            if (!bestOf.isIntegralNumber() || !bestOf.canConvertToInt() || bestOf.intValue() < choices || bestOf.intValue() > MAX_CHOICES) {
                return refused("'best_of' must be an integer from 'n' (" + choices + ") to " + MAX_CHOICES + ".", "best_of_malformed");
            }
            choices = bestOf.intValue();
        }
        JsonNode stop = body.field("stop");
        if (stop != null && !stop.isNull() && !stop.isTextual() && !(stop.isArray() && stop.size() <= MAX_STOP && allText(stop))) {
            return refused("'stop' must be a string or a list of at most " + MAX_STOP + " strings.", "stop_malformed");
        }
        JsonNode tools = body.field("tools");
        if (tools != null && tools.isArray() && tools.size() > MAX_TOOLS) {
            return refused("At most " + MAX_TOOLS + " tools per request.", "tools_too_many");
        }
        TokenCounter counter = COUNTERS.computeIfAbsent(model.encoding(), TokenCounter::new);
        long audio = Math.ceilDiv(audioBytes, AUDIO_BYTES_PER_TOKEN);
        long promptCap = tenant == null || tenant.tier() == null ? 0 : tenant.tier().guardrails().maxPromptTokens(model.name());
        long input = promptTokens(operation, body, exact ? counter : counter.bounding()) + audio;
        boolean bounded = !exact;
        if (bounded && (input > model.maxInputTokens() || promptCap > 0 && input > promptCap)) {
            input = promptTokens(operation, body, counter) + audio; // near a cap: the real count decides
            bounded = false;
        }
        if (input > model.maxInputTokens()) {
            return new Result(null, GatewayError.of(ErrorCode.PROMPT_TOO_LARGE, "The prompt has " + input + " tokens; this model takes at most "
                    + model.maxInputTokens() + ".", "prompt_too_large"));
        }
        if (promptCap > 0 && input > promptCap) {
            return new Result(null, GatewayError.of(ErrorCode.GUARDRAIL_BLOCKED, "The prompt has " + input + " tokens; the tenant's guardrail rule '"
                    + GuardrailPolicy.MAX_PROMPT_TOKENS + "' allows at most " + promptCap + " for this model.", GuardrailPolicy.MAX_PROMPT_TOKENS));
        }
        long out = (long) perChoice * choices;
        long cost = new Usage(input, out).costMicros(model.price().inputPer1k(), model.price().outputPer1k());
        return new Result(new CostEstimate(input, out, cost, model.computeUnits(input + out), perChoice,
                absent && output && operation.outputCapFields().length > 0), null, bounded);
    }

    /** The prompt's real token count, for an estimate whose input was a bound (an answer without usage is recorded with it). */
    public static long exactPrompt(Operation operation, RequestBody body, ModelConfig model, long audioBytes) {
        return promptTokens(operation, body, COUNTERS.computeIfAbsent(model.encoding(), TokenCounter::new))
                + Math.ceilDiv(audioBytes, AUDIO_BYTES_PER_TOKEN);
    }

    /**
     * A predict call counts no tokens: its compute units and price are the model's predict cost for
     * its items and bytes. A model without one has no predict route (nothing could be charged).
     */
    private static Result predict(RequestBody body, ModelConfig model) {
        PredictCost cost = model.predict();
        if (cost == null) {
            return new Result(null, GatewayError.of(ErrorCode.OPERATION_UNSUPPORTED,
                    "This model has no predict route.", "operation_unsupported"));
        }
        long bytes = body == null ? 0 : body.raw().length();
        long items = PredictItems.count(body);
        return ok(new CostEstimate(0, 0, cost.price().of(items, bytes), cost.computeUnits().of(items, bytes), 0, false));
    }

    /** From the fields the body stage read in its one validating pass: no second parse. */
    private static long promptTokens(Operation operation, RequestBody body, TokenCounter counter) {
        if (body == null) {
            return 0;
        }
        return switch (operation) {
            case CHAT_COMPLETIONS -> counter.chat(body.field("messages"), body.field("tools"));
            case COMPLETIONS -> counter.prompt(body.field("prompt"));
            case EMBEDDINGS -> counter.prompt(body.field("input"));
            case MESSAGES -> counter.chat(body.field("messages"), body.field("tools")) + counter.prompt(body.field("system"));
            case RESPONSES -> responsesInput(counter, body.field("input"), body.field("tools")) + counter.prompt(body.field("instructions"));
            case MODERATIONS -> moderationInput(counter, body.field("input"));
            case IMAGES, AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS -> counter.prompt(body.field("prompt"));
            default -> 0;
        };
    }

    /** A response's input: a string, or items shaped like chat messages (role, content as text or parts). */
    private static long responsesInput(TokenCounter counter, JsonNode input, JsonNode tools) {
        return input != null && input.isArray() ? counter.chat(input, tools) : counter.prompt(input) + counter.chat(null, tools);
    }

    /** A moderation's input: a string, strings, or parts ({@code {type: text, text}}; an image part counts nothing here). */
    private static long moderationInput(TokenCounter counter, JsonNode input) {
        if (input == null || !input.isArray()) {
            return counter.prompt(input);
        }
        long n = 0;
        for (JsonNode item : input) {
            if (item.isTextual()) {
                n += counter.prompt(item);
            } else if (item.isObject() && item.path("text").isTextual()) {
                n += counter.prompt(item.get("text"));
            }
        }
        return n;
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static Result ok(CostEstimate e) {
        return new Result(e, null);
    }

    private static Result refused(String detail, String reason) {
        return new Result(null, GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason));
    }
}
