package dev.warden.exchange;

/**
 * The worst case a request may cost, known before it is forwarded: its counted prompt, the most
 * output it may produce (the output cap it is forwarded with, times {@code n}), their price in
 * micro-units and their compute-weighted size. Admission reserves this; the response settles the
 * real usage.
 *
 * @param outputTokens   {@code outputCap} x the number of choices
 * @param weightedTokens (input + output) x the model's compute weight: its share of GPU work
 * @param outputCap      the per-choice output cap the request is forwarded with (0: no output)
 * @param capAbsent      the client named no cap: the gateway sets {@code max_tokens} = {@code outputCap}
 */
public record CostEstimate(long inputTokens, long outputTokens, long costMicros, long weightedTokens, int outputCap,
                           boolean capAbsent) {
}
