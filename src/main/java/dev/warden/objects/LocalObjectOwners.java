package dev.warden.objects;

import dev.warden.store.ObjectOwners;
import dev.warden.store.OwnedObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The owners of stored objects in this process's memory, for a Warden without a control store
 * (one node): the newest {@value #MAX} are kept; an older one is forgotten, and then answers like
 * an unknown id (a 404 to everyone, never another tenant's object).
 */
public final class LocalObjectOwners implements ObjectOwners {
    static final int MAX = 100_000;

    private final Map<String, OwnedObject> byKey = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, OwnedObject> eldest) {
            return size() > MAX;
        }
    };

    @Override
    public synchronized boolean record(OwnedObject object) {
        return byKey.putIfAbsent(object.kind() + " " + object.id(), object) == null;
    }

    @Override
    public synchronized Optional<OwnedObject> find(String kind, String id) {
        return Optional.ofNullable(byKey.get(kind + " " + id));
    }

    @Override
    public synchronized void forget(String kind, String id, String tenant) {
        byKey.computeIfPresent(kind + " " + id, (k, v) -> v.tenant().equals(tenant) ? null : v);
    }
}
