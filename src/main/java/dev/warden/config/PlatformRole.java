package dev.warden.config;

import java.util.Locale;

/**
 * The roles of platform operators, kept apart from tenant {@link Role}s so that no tenant
 * credential can ever carry one: {@code platform-admin} sees and manages every tenant's metadata,
 * settings and usage (never a payload); {@code platform-auditor} reads the audit log only.
 */
public enum PlatformRole {
    PLATFORM_ADMIN,
    PLATFORM_AUDITOR;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PlatformRole parse(String s) {
        for (PlatformRole r : values()) {
            if (r.id().equals(s)) {
                return r;
            }
        }
        return null;
    }
}
