package dev.warden.config;

import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /admin/v1/config/status} shows: the serving version and, if the latest attempt
 * to load a change failed, when and why (the old config keeps serving).
 */
public record ConfigStatus(long version, String source, Instant loadedAt, String sha256, Instant lastAttemptAt,
                           List<String> lastErrors, long reloads, long rejectedReloads) {
    public ConfigStatus {
        lastErrors = List.copyOf(lastErrors);
    }

    public boolean healthy() {
        return lastErrors.isEmpty();
    }
}
