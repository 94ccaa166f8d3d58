package dev.warden.exchange;

/**
 * The worst case a request may cost, known before it is forwarded: its counted prompt, the most
 * output it may produce (the output cap it is forwarded with, times {@code n}), their price in
 * micro-units and their compute units. Admission reserves this; the response settles the real
 * usage.
 *
 * @param outputTokens   {@code outputCap} x the number of choices
 * @param computeUnits   (input + output) x the model's compute weight, rounded up: its share of GPU
 *                       work (a predict call: the model's predict cost)
 * @param outputCap      the per-choice output cap the request is forwarded with (0: no output)
 * @param capAbsent      the client named no cap: the gateway sets {@code max_tokens} = {@code outputCap}
 */
public record CostEstimate(long inputTokens, long outputTokens, long costMicros, long computeUnits, int outputCap,
                           boolean capAbsent) {
}
