package dev.warden.config;

/**
 * A tier's response cache: exact-match answers of deterministic requests, kept per tenant.
 *
 * @param ttlSeconds     how long an answer is served from the cache
 * @param maxBytes       the most one tenant's entries may hold (the oldest go first past it)
 * @param maxEntryBytes  answers larger than this are not kept
 * @param pricePercent   a hit is charged this percentage of what the answer cost when it was made
 * @param anyTemperature true: every request of the tier may be served from the cache, not only
 *                       those with {@code temperature: 0} or {@code X-Warden-Cache: use}
 */
public record CacheSettings(int ttlSeconds, long maxBytes, int maxEntryBytes, int pricePercent, boolean anyTemperature) {
}
