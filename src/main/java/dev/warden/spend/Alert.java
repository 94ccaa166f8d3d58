package dev.warden.spend;

/**
 * A condition an operator or tenant admin should know about, raised while it holds.
 *
 * @param id       stable while the condition holds (tenant, kind, period start): a webhook
 *                 receiver can de-duplicate on it
 * @param kind     {@code budget_soft}, {@code budget_exhausted}, {@code budget_forecast},
 *                 {@code spend_anomaly}
 * @param severity {@code info}, {@code warning} or {@code critical}
 */
public record Alert(String id, String tenant, String kind, String severity, String message, long raisedAtMs) {
}
