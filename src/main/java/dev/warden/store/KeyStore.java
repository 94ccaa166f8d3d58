package dev.warden.store;

import java.util.List;
import java.util.Map;

/** Tenants' API keys, hashes only. Blocking (JDBC): call from a worker or virtual thread. */
public interface KeyStore {
    /** Stores a new key; fails with {@link StoreException.Conflict} if the key id is taken (by a tenant's or an operator's key). */
    StoredKey insert(StoredKey key);

    /** Every key, revoked ones included (listings show them; the data plane skips them). */
    List<StoredKey> all();

    List<StoredKey> ofTenant(String tenantId);

    /**
     * Ends a key at {@code atMs} (now, or later for a rotation's overlap); false if there was no such
     * key of that tenant still valid at {@code atMs}. A key's end only ever moves earlier.
     */
    boolean revoke(String tenantId, String keyId, long atMs);

    /** Records keys' last use (key id -> epoch ms; only ever moves forward). Not a snapshot change: no version bump. */
    void touch(Map<String, Long> lastUsed);
}
