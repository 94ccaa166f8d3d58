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
 */
public record ModelConfig(String name, String pool, String upstreamName, String encoding, int defaultMaxTokens,
                          int maxOutputTokens, Price price, int computeWeight, String predictPath) {
}
