package dev.warden.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each tenant's clients hold and abandon on this replica, whatever their connections: the
 * requests in flight (from authentication to the end of the answer) and the requests abandoned (a
 * stream reset or a connection closed before the answer ended) in one-minute windows. Bounds per
 * connection (streams, resets) do not stop a key spread over many connections; these do. Only
 * verified tenants are counted (one entry each), so one tenant's clients never touch another's.
 */
public final class TenantClients {
    static final long WINDOW_MS = 60_000;

    private final ConcurrentHashMap<String, Clients> tenants = new ConcurrentHashMap<>();

    /** The tenant's entry (created on its first request: tenants are few and verified). */
    Clients of(String tenant) {
        Clients c = tenants.get(tenant);
        return c != null ? c : tenants.computeIfAbsent(tenant, t -> new Clients());
    }

    /** One tenant's clients on this replica. */
    static final class Clients {
        private final AtomicInteger inFlight = new AtomicInteger();
        private long windowStart;
        private int aborted;
        private volatile long refusedUntil;

        /** Takes a place in flight if fewer than {@code cap} are (0: no cap); false if full. */
        boolean enter(int cap) {
            if (cap == 0) {
                inFlight.incrementAndGet();
                return true;
            }
            int n;
            do {
                n = inFlight.get();
                if (n >= cap) {
                    return false;
                }
            } while (!inFlight.compareAndSet(n, n + 1));
            return true;
        }

        void leave() {
            inFlight.decrementAndGet();
        }

        /** Until when (ms since the epoch) the tenant was refused for too many aborts; 0 if never (no clock read for most requests). */
        long refusedUntil() {
            return refusedUntil;
        }

        /** One abandoned request; past {@code cap} in its window the tenant is refused to the window's end. */
        synchronized void aborted(int cap, long nowMs) {
            if (nowMs - windowStart >= WINDOW_MS) {
                windowStart = nowMs;
                aborted = 0;
            }
            if (++aborted > cap) {
                refusedUntil = windowStart + WINDOW_MS;
            }
        }
    }
}
