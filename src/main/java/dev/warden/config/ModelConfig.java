package dev.warden.config;

/**
 * A model tenants may call.
 *
 * @param name            the name clients use
 * @param pool            the upstream pool serving it
 * @param upstreamName    the name the upstream knows it by (defaults to {@code name})
 * @param encoding        tokenizer encoding used for cost estimates (e.g. {@code cl100k_base})
 * @param defaultMaxTokens output tokens assumed when a request names none
 * @param maxOutputTokens cap on output tokens per request
 * @param price           micro-units per 1k input / output tokens
 * @param computeWeight   relative GPU cost per token (1 = baseline)
 * @param predictPath     upstream path of the generic predict route; {@code {model}} is replaced
 * @param maxInputTokens  the model's context for the prompt: a request whose counted prompt is
 *                        larger is refused (413) before anything is forwarded
 * @param maxTokensField  the output cap field the model takes ({@code max_tokens}, or
 *                        {@code max_completion_tokens} for reasoning models that refuse the other):
 *                        a client's cap in the other field is moved to it; null (not set): the
 *                        client's field is left as it is, and a cap Warden sets is {@code max_tokens}
 */
public record ModelConfig(String name, String pool, String upstreamName, String encoding, int defaultMaxTokens,
                          int maxOutputTokens, Price price, int computeWeight, String predictPath, int maxInputTokens,
                          String maxTokensField) {
    public static final int DEFAULT_MAX_INPUT_TOKENS = 128_000;
    public static final String MAX_TOKENS = "max_tokens";
    public static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

    public ModelConfig(String name, String pool, String upstreamName, String encoding, int defaultMaxTokens,
                       int maxOutputTokens, Price price, int computeWeight, String predictPath) {
        this(name, pool, upstreamName, encoding, defaultMaxTokens, maxOutputTokens, price, computeWeight, predictPath,
                DEFAULT_MAX_INPUT_TOKENS, null);
    }
}
