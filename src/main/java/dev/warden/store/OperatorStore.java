package dev.warden.store;

import java.util.List;

/** Platform operators' API keys, hashes only, apart from tenants' keys. Blocking (JDBC). */
public interface OperatorStore {
    /** Stores a new operator key; {@link StoreException.Conflict} if the key id is taken. */
    OperatorKey insert(OperatorKey key);

    /** Every operator key, revoked ones included. */
    List<OperatorKey> all();

    /** Marks an operator key revoked; false if there was no such valid key. */
    boolean revoke(String keyId, long atMs);
}
