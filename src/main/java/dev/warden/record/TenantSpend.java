package dev.warden.record;

/** A tenant's usage summed over a period: requests, tokens and cost in micro-units. */
public record TenantSpend(String tenantId, long requests, long inputTokens, long outputTokens, long costMicros) {
}
