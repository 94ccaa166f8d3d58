package dev.warden.store;

import java.util.List;
import java.util.Optional;

/**
 * The durable, shared state every replica reads: tenants created at run time and API keys
 * (hashes only). Every method blocks on JDBC: call it from a worker or virtual thread, never from
 * an event loop. Every write bumps {@link #version()}, so replicas can poll cheaply for changes.
 */
public interface ControlStore extends AutoCloseable {

    /** Creates a tenant; fails with {@link StoreException.Conflict} if the id is taken. */
    StoredTenant createTenant(StoredTenant tenant);

    Optional<StoredTenant> tenant(String id);

    List<StoredTenant> tenants();

    /** Replaces a tenant's settings; fails with {@link StoreException.NotFound} if it does not exist. */
    StoredTenant updateTenant(StoredTenant tenant);

    /** Stores a new key; fails with {@link StoreException.Conflict} if the key id is taken. */
    StoredKey insertKey(StoredKey key);

    /** Every key, revoked ones included (listings show them; the data plane skips them). */
    List<StoredKey> keys();

    List<StoredKey> keys(String tenantId);

    /** Marks a key revoked at {@code atMs}; false if there was no such valid key of that tenant. */
    boolean revokeKey(String tenantId, String keyId, long atMs);

    /** A number that grows with every write. */
    long version();

    @Override
    void close();
}
