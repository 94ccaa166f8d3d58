package dev.warden.spend;

/**
 * A condition an operator or tenant admin should know about, raised while it holds.
 *
 * @param id       stable while the condition holds (tenant, kind, period start): a webhook
 *                 receiver can de-duplicate on it
 * @param tenant   the tenant it is about; null: the platform's (refusals no tenant was verified for)
 * @param kind     {@code budget_half}, {@code budget_soft}, {@code budget_exhausted}, {@code budget_forecast},
 *                 {@code spend_anomaly}, {@code refusal_anomaly}, {@code security_anomaly}, {@code gpu_hours_forecast},
 *                 {@code gpu_hours_exhausted}, {@code pool_saturation}
 * @param severity {@code info}, {@code warning} or {@code critical}
 */
public record Alert(String id, String tenant, String kind, String severity, String message, long raisedAtMs) {
}
