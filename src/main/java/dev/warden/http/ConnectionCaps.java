package dev.warden.http;

import io.vertx.core.http.HttpConnection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps on open data-plane connections, shared by every event loop: at most {@code max} in all and
 * {@code perSource} from one client address (0: no per-address cap, e.g. behind a load balancer
 * whose address every connection has). A connection past a cap is closed at once, before anything
 * is read from it, so a flood of connections from one source cannot take the sockets and memory
 * others need.
 */
public final class ConnectionCaps {
    private final int max;
    private final int perSource;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> bySource = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();
    /** Requests whose head or body came too slowly (answered 408, closed). */
    final LongAdder slow = new LongAdder();

    public ConnectionCaps(int max, int perSource) {
        this.max = max;
        this.perSource = perSource;
    }

    /** Counts a new connection, or closes it if it is one too many; true when it may go on. */
    boolean admit(HttpConnection connection) {
        String source = connection.remoteAddress() == null ? "?" : connection.remoteAddress().hostAddress();
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return refuse(connection);
        }
        if (perSource > 0) {
            boolean[] over = {false};
            bySource.compute(source, (s, n) -> { // atomic per address: the count and its removal never race
                AtomicInteger c = n == null ? new AtomicInteger() : n;
                over[0] = c.incrementAndGet() > perSource;
                return c;
            });
            if (over[0]) {
                release(source);
                return refuse(connection);
            }
        }
        connection.closeHandler(v -> release(source));
        return true;
    }

    private void release(String source) {
        open.decrementAndGet();
        if (perSource > 0) { // an address with no connection left is forgotten: bounded memory
            bySource.computeIfPresent(source, (s, c) -> c.decrementAndGet() <= 0 ? null : c);
        }
    }

    private boolean refuse(HttpConnection connection) {
        refused.increment();
        connection.close();
        return false;
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    /** Connections closed at once for a cap. */
    public long refused() {
        return refused.sum();
    }

    /** Requests answered 408 for a head or body sent too slowly. */
    public long slow() {
        return slow.sum();
    }
}
