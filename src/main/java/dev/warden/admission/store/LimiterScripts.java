package dev.warden.admission.store;

import dev.warden.redis.RedisScript;
import java.util.List;

/** The limiter store's Lua scripts (resources under {@code /admission}), each called by its SHA-1. */
final class LimiterScripts {
    /** Admission and leases start by giving back a crashed replica's expired holds ({@code expire.lua}). */
    static final RedisScript ADMIT = RedisScript.joined("/admission/expire.lua", "/admission/admit.lua");
    static final RedisScript LEASE = RedisScript.joined("/admission/expire.lua", "/admission/lease.lua");
    static final RedisScript SETTLE = RedisScript.at("/admission/settle.lua");
    static final RedisScript RENEW = RedisScript.at("/admission/renew.lua");
    static final RedisScript DEBIT = RedisScript.at("/admission/debit.lua");
    static final RedisScript HEARTBEAT = RedisScript.at("/admission/heartbeat.lua");
    static final RedisScript SEATS = RedisScript.at("/admission/seats.lua");
    static final RedisScript UNSEAT = RedisScript.at("/admission/unseat.lua");
    static final RedisScript REFUND = RedisScript.at("/admission/refund.lua");
    /** Every script, loaded together into a Redis that does not know them. */
    static final List<RedisScript> ALL = List.of(ADMIT, LEASE, SETTLE, RENEW, DEBIT, HEARTBEAT, SEATS, UNSEAT, REFUND);

    private LimiterScripts() {
    }
}
