package dev.warden.exchange;

/**
 * An upstream call of a request that did not become its answer: the route it took, what it got
 * ({@code status}: the upstream's, or the gateway's for a call that never got an answer: 502, 504)
 * and why the request went on elsewhere ({@code reason}: {@code upstream_429}, {@code upstream_5xx},
 * {@code context_length}, {@code connect_failed}...). The ledger and the trace list every one.
 */
public record UpstreamTry(SelectedRoute route, int status, String reason, long latencyMs) {
}
