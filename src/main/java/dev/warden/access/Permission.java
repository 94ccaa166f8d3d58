package dev.warden.access;

import dev.warden.config.Role;
import dev.warden.pipeline.Operation;

/** What each role may do on the data plane. */
final class Permission {
    private Permission() {
    }

    static boolean allows(Role role, Operation operation) {
        return switch (operation.kind()) {
            // listing the models one may use, and one's own jobs, is open to every role
            case READ, JOB_READ -> true;
            // calling models, running jobs, and the objects they leave (stored responses): everyone but viewers
            case INFERENCE, JOB_WRITE, STORED -> role != Role.VIEWER;
        };
    }
}
