package dev.warden.store;

import java.util.Optional;

/**
 * Where the owners of stored objects are kept (the control store). Blocking: call from a worker.
 * A lookup is by kind and id alone, so an unknown id and another tenant's cost the same query.
 */
public interface ObjectOwners {
    /** Records a new object; false if that kind and id are already someone's (it stays theirs). */
    boolean record(OwnedObject object);

    Optional<OwnedObject> find(String kind, String id);

    /** Forgets an object its tenant deleted. */
    void forget(String kind, String id, String tenant);
}
