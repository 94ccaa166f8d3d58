package dev.warden.identity;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each API key was last used, to the minute: recorded on the event loop (one map read per
 * request, a write at most once a minute per key) and drained in batches by the control plane into
 * the store, off the request path.
 */
public final class KeyUsage {
    private static final long MINUTE = 60_000;
    private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> lastMinute = new ConcurrentHashMap<>();

    /** A successful authentication with {@code keyId} at {@code nowMs}. */
    public void used(String keyId, long nowMs) {
        long minute = nowMs / MINUTE;
        Long seen = lastMinute.get(keyId);
        if (seen != null && seen == minute) {
            return;
        }
        lastMinute.put(keyId, minute);
        pending.put(keyId, minute * MINUTE);
    }

    /** Puts back a drained batch whose write failed (newer records win). */
    public void retry(Map<String, Long> batch) {
        batch.forEach((k, v) -> pending.merge(k, v, Math::max));
    }

    /** Takes what was recorded since the last drain (key id -> epoch ms, minute precision). */
    public Map<String, Long> drain() {
        Map<String, Long> out = new HashMap<>();
        for (String k : pending.keySet()) {
            Long v = pending.remove(k);
            if (v != null) {
                out.put(k, v);
            }
        }
        if (lastMinute.size() > 100_000) {
            lastMinute.clear(); // bounded: keys that went quiet are forgotten, re-recorded on next use
        }
        return out;
    }
}
