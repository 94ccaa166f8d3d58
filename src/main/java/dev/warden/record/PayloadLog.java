package dev.warden.record;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where logged payloads are kept (the control store), every read and delete scoped to one tenant:
 * another tenant's payload id answers exactly like one that does not exist. Blocking: call from a
 * writer's thread or a worker, never from an event loop.
 */
public interface PayloadLog {
    void append(List<PayloadRecord> rows);

    /** A tenant's payloads, newest first, older than {@code beforeMs} (0: from the newest), at most {@code limit}. */
    List<PayloadRecord> page(String tenant, long beforeMs, int limit);

    Optional<PayloadRecord> find(String tenant, String id);

    /** Deletes one of the tenant's payloads; false if it has none of that id. */
    boolean delete(String tenant, String id);

    /** Deletes all of the tenant's payloads; how many. */
    int deleteAll(String tenant);

    /** Deletes every payload whose retention ran out by {@code nowMs}; how many. */
    int deleteExpired(long nowMs);

    /** Replaces each row's sealed document by {@code rewrap}'s (key rotation); how many changed. */
    int rewrap(UnaryOperator<PayloadRecord> rewrap);
}
