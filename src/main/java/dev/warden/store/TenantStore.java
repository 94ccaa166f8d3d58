package dev.warden.store;

import java.util.List;
import java.util.Optional;

/** Tenants created at run time. Blocking (JDBC): call from a worker or virtual thread. */
public interface TenantStore {
    /** Creates a tenant; fails with {@link StoreException.Conflict} if the id is taken. */
    StoredTenant create(StoredTenant tenant);

    Optional<StoredTenant> find(String id);

    /** Every stored tenant, by id. */
    List<StoredTenant> all();

    /** Replaces a tenant's settings; fails with {@link StoreException.NotFound} if it does not exist. */
    StoredTenant update(StoredTenant tenant);
}
