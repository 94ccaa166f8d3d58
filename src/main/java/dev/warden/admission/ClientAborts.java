package dev.warden.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests each tenant's clients abandoned (a stream reset or a connection closed before the
 * answer ended), counted per replica in one-minute windows. Past the cap the tenant is refused
 * until its window ends: a key spread over many connections cannot turn rapid reset into
 * unbounded authentication and body reads, where each connection's own reset bound would allow
 * it. Only verified tenants are counted (one entry each at most), so one tenant's aborts never
 * touch another's requests.
 */
public final class ClientAborts {
    static final long WINDOW_MS = 60_000;

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** When {@code tenant} may be served again (ms since the epoch), or 0 if it may now. */
    long refusedUntil(String tenant, long nowMs) {
        Window w = windows.get(tenant);
        if (w == null) {
            return 0;
        }
        long until = w.refusedUntil;
        return nowMs < until ? until : 0;
    }

    /** One abandoned request of {@code tenant}; past {@code cap} in its window the tenant is refused to the window's end. */
    void aborted(String tenant, int cap, long nowMs) {
        windows.computeIfAbsent(tenant, t -> new Window()).count(cap, nowMs);
    }

    private static final class Window {
        private long start;
        private int count;
        private volatile long refusedUntil;

        synchronized void count(int cap, long nowMs) {
            if (nowMs - start >= WINDOW_MS) {
                start = nowMs;
                count = 0;
            }
            if (++count > cap) {
                refusedUntil = start + WINDOW_MS;
            }
        }
    }
}
