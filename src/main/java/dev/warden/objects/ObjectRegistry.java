package dev.warden.objects;

import dev.warden.store.ObjectOwners;
import dev.warden.store.OwnedObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process's view of who owns which stored object: the owners' store (the control store's, or
 * {@link LocalObjectOwners} without one) and the objects created here moments ago, which a next
 * call on this replica finds before the store has them. Shared by every event loop.
 */
public final class ObjectRegistry {
    private final ObjectOwners owners;
    private final Map<String, OwnedObject> recent = new ConcurrentHashMap<>();

    public ObjectRegistry(ObjectOwners owners) {
        this.owners = owners;
    }

    ObjectOwners owners() {
        return owners;
    }

    Map<String, OwnedObject> recent() {
        return recent;
    }
}
