package dev.warden.guard;

import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * Asks a moderation model about a prompt (the app's, over the model's pool: only upstreams in a
 * region the tenant allows, with the pool's own credential).
 */
public interface ModerationCalls {
    /**
     * The categories the model flagged in any of {@code texts} (empty: none); fails when it could not
     * be asked, answered with an error or nothing readable, or not within {@code timeoutMs}.
     */
    Future<Set<String>> flagged(Snapshot snapshot, Tenant tenant, String model, List<String> texts, long timeoutMs);
}
