package dev.warden.admission.store;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this replica knows of the budget and quota accounts in Redis: which ones Redis already
 * has (no baseline read needed), and what every replica's requests hold on each money account,
 * read once a second with each pool's seats in use (forecasts, {@code /spend}, free-seat gauges).
 */
final class ReservationWatch {
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Long> reservedSeen = new ConcurrentHashMap<>();

    /** Whether Redis is known to hold this account (its baseline was sent once). */
    boolean known(String accountKey) {
        return known.contains(accountKey);
    }

    void learned(String accountKey) {
        known.add(accountKey);
    }

    /** Redis lost the account (restarted, flushed): its baseline is read and sent again. */
    void forget(String accountKey) {
        known.remove(accountKey);
    }

    /** What is reserved on a money account as last read; it is read from the next second on, even if this replica never admits for it. */
    long reserved(String accountKey) {
        watched.add(accountKey);
        return reservedSeen.getOrDefault(accountKey, 0L);
    }

    /** A settle call's answer said what is reserved on the account now. */
    void reservedNow(String accountKey, long micros) {
        reservedSeen.put(accountKey, Math.max(0, micros));
    }

    /** Reads what is reserved on the money accounts this replica knows, and each pool's seats in use: one pipeline. */
    void read(RedisLink link, List<RedisSeats> pools) {
        Set<String> keys = new HashSet<>(watched);
        known.stream().filter(k -> k.contains(Planner.MONEY)).forEach(keys::add);
        List<String> accounts = List.copyOf(keys);
        if (!link.up() || accounts.isEmpty() && pools.isEmpty()) {
            return;
        }
        List<Request> reads = new ArrayList<>(accounts.size() + pools.size());
        accounts.forEach(k -> reads.add(Request.cmd(Command.HGET).arg(k).arg("r")));
        pools.forEach(p -> reads.add(Request.cmd(Command.GET).arg(p.usedKey())));
        link.pipeline("read", reads).onSuccess(rs -> {
            for (int i = 0; i < accounts.size(); i++) {
                Response r = rs.get(i);
                reservedSeen.put(accounts.get(i), r == null ? 0L : Math.max(0, r.toLong()));
            }
            for (int i = 0; i < pools.size(); i++) { // the free-seats gauges follow every replica's use
                Response r = rs.get(accounts.size() + i);
                pools.get(i).seatsInUse(r == null ? 0 : r.toInteger());
            }
        });
    }

    /** Forgets accounts of periods that ended before {@code oldMs}. */
    void sweep(long oldMs) {
        known.removeIf(k -> Long.parseLong(k.substring(k.lastIndexOf(':') + 1)) < oldMs);
        watched.removeIf(k -> Long.parseLong(k.substring(k.lastIndexOf(':') + 1)) < oldMs);
        reservedSeen.keySet().removeIf(k -> !known.contains(k) && !watched.contains(k));
    }
}
