package dev.warden.access;

import dev.warden.config.Role;
import dev.warden.pipeline.Operation;

/** What each role may do on the data plane. */
final class Permission {
    private Permission() {
    }

    static boolean allows(Role role, Operation operation) {
        if (!operation.inference()) {
            return true; // listing the models one may use is open to every role
        }
        return switch (role) {
            case DEVELOPER, SERVICE, TENANT_ADMIN -> true;
            case VIEWER -> false;
        };
    }
}
