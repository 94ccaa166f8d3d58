package dev.warden.config;

/** Whether a tenant may use the gateway. */
public enum TenantStatus {
    ACTIVE, SUSPENDED
}
