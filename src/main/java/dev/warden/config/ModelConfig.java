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
 * @param computeWeight   relative GPU cost per token (1 = baseline): a request's compute units are its
 *                        tokens x this weight, rounded up
 * @param predict         the generic predict route's upstream path and cost; null: the model has none
 * @param maxInputTokens  the model's context for the prompt: a request whose counted prompt is
 *                        larger is refused (413) before anything is forwarded
 * @param maxTokensField  the output cap field the model takes ({@code max_tokens}, or
 *                        {@code max_completion_tokens} for reasoning models that refuse the other):
 *                        a client's cap in the other field is moved to it; null (not set): the
 *                        client's field is left as it is, and a cap Warden sets is {@code max_tokens}
 */
public record ModelConfig(String name, String pool, String upstreamName, String encoding, int defaultMaxTokens,
                          int maxOutputTokens, Price price, double computeWeight, PredictCost predict, int maxInputTokens,
                          String maxTokensField) {
    public static final int DEFAULT_MAX_INPUT_TOKENS = 128_000;
    public static final String MAX_TOKENS = "max_tokens";
    public static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

    /**
     * The compute units {@code tokens} tokens of this model take: tokens x weight, rounded up, in
     * integers (the weight has at most three decimals) so that admission and settlement agree.
     */
    public long computeUnits(long tokens) {
        long milli = Math.round(computeWeight * 1000);
        if (milli == 1000) {
            return tokens;
        }
        try {
            return Math.ceilDiv(Math.multiplyExact(Math.max(0, tokens), milli), 1000);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
