package dev.warden.config;

import java.util.Locale;

/** The role a credential carries; what each role may do is decided in {@code access}. */
public enum Role {
    /** Calls models. */
    DEVELOPER,
    /** Lists models only. */
    VIEWER,
    /** Platform services acting for the tenant (pipelines, job workers): calls models. */
    SERVICE,
    /** Manages the tenant (its keys, settings, usage and payloads through the admin API); may also call models. */
    TENANT_ADMIN;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.id().equals(s)) {
                return r;
            }
        }
        return null;
    }
}
