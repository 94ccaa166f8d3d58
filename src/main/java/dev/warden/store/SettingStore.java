package dev.warden.store;

import java.util.List;
import java.util.Optional;

/** Tenants' run-time settings, one validated JSON document per kind. Blocking (JDBC). */
public interface SettingStore {
    /** Stores (or replaces) one kind of a tenant's settings; returns the previous one, if any. */
    Optional<TenantSetting> put(TenantSetting setting);

    /** Removes one kind of a tenant's settings; returns what was removed, if anything. */
    Optional<TenantSetting> delete(String tenantId, String kind);

    /** Every stored setting of every tenant. */
    List<TenantSetting> all();

    /** One tenant's stored settings, by kind. */
    List<TenantSetting> ofTenant(String tenantId);

    /** One kind of one tenant's settings, if stored. */
    Optional<TenantSetting> find(String tenantId, String kind);
}
