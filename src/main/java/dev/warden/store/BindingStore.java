package dev.warden.store;

import java.util.List;

/** Role bindings of the admin identity provider's subjects. Blocking (JDBC). */
public interface BindingStore {
    /** Adds a binding; {@link StoreException.Conflict} if it exists. */
    RoleBinding add(RoleBinding binding);

    /** Removes a binding; false if there was none. */
    boolean remove(String scope, String subject, String role);

    List<RoleBinding> all();
}
