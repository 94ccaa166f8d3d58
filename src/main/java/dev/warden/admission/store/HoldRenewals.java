package dev.warden.admission.store;

import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The holds of requests running on this replica, renewed in Redis until they end: a replica that
 * dies stops renewing, and its holds expire (the next admission of that tenant gives them back).
 */
final class HoldRenewals {
    /** What renews one running request's hold: the sorted set it is in, and its member there. */
    private record Renewal(String holdsKey, String member) {
    }

    private final ConcurrentHashMap<String, Renewal> live = new ConcurrentHashMap<>();

    /** The hold {@code holdId} (member {@code member} of the sorted set {@code holdsKey}) is renewed until {@link #ended}. */
    void running(String holdId, String holdsKey, String member) {
        live.put(holdId, new Renewal(holdsKey, member));
    }

    void ended(String holdId) {
        live.remove(holdId);
    }

    /** Moves the expiry of every running request's hold: one pipeline, one script per holds key. */
    void renew(RedisLink link) {
        if (!link.up() || live.isEmpty()) {
            return;
        }
        Map<String, List<String>> byHoldsKey = new HashMap<>();
        live.forEach((id, r) -> byHoldsKey.computeIfAbsent(r.holdsKey(), k -> new ArrayList<>()).add(r.member()));
        List<Request> requests = new ArrayList<>(byHoldsKey.size());
        String ttl = Long.toString(link.settings().holdTtlSeconds() * 1000L);
        byHoldsKey.forEach((holdsKey, members) -> {
            List<String> args = new ArrayList<>(members.size() + 1);
            args.add(ttl);
            args.addAll(members);
            requests.add(LimiterScripts.RENEW.call(List.of(holdsKey), args));
        });
        link.pipeline("renew", requests).onFailure(link::markDown);
    }
}
