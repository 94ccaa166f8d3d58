package dev.warden.admission.store;

import dev.warden.admission.LimiterStore;
import dev.warden.redis.RedisScript;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes that need not be waited for, sent behind the requests' backs: settlements of ended
 * requests, seats given back, waiters leaving. What ends within one turn of the event loop goes to
 * Redis in one pipeline, one {@code settle.lua} call per tenant; a settlement sent twice counts
 * once, so what fails is sent again. While Redis is away they are kept (at most
 * {@value #MAX_PENDING}; past that the holds' TTL gives the reservations back) until it answers.
 */
final class Settlements {
    private static final int MAX_PENDING = 100_000;
    private static final int BATCH = 256;

    /** A write that waits for the next pipeline to Redis: a settlement (sent per tenant), or one command. */
    private sealed interface Pending permits Settlement, Write {
    }

    /** One command for the next pipeline (seats given back, a waiter leaving). */
    private record Write(Request request) implements Pending {
    }

    private record Settlement(Hold hold, LimiterStore.Used used) implements Pending {
        /** Whether it has anything for Redis: a hold, unused tokens or compute to refund, or use to add to an account. */
        boolean needed() {
            if (hold.held() || !hold.plan.accounts().isEmpty()) {
                return true;
            }
            for (int i = 0; i < hold.plan.buckets().size(); i++) {
                if (refund(i) > 0) {
                    return true;
                }
            }
            return false;
        }

        /** What bucket {@code i} gets back (its units), if it was charged and counts tokens or compute. */
        long refund(int i) {
            return hold.skipped[i] ? 0 : hold.plan.buckets().get(i).unused(hold.plan.ask(), used);
        }
    }

    /** One request's hold in Redis: settled once, in the next pipeline. */
    final class Hold implements LimiterStore.Hold {
        final Plan plan;
        final String id;
        /** Its member in the tenant's holds ("id|seat;account=amount;..."), or "" when it holds nothing there. */
        final String member;
        /** Buckets and accounts the script did not charge (shadow refusals). */
        final boolean[] skipped;
        final AtomicBoolean settled = new AtomicBoolean();

        private Hold(Plan plan, String id, String member, boolean[] skipped) {
            this.plan = plan;
            this.id = id;
            this.member = member;
            this.skipped = skipped;
        }

        /** Whether Redis keeps a hold for it (a seat or a reservation) that must be renewed. */
        boolean held() {
            return !member.isEmpty();
        }

        @Override
        public void settle(LimiterStore.Used used) {
            if (settled.compareAndSet(false, true)) {
                renewals.ended(id);
                enqueue(new Settlement(this, used));
            }
        }
    }

    /** Pending writes taken for one pipeline: its commands, and which of them settle which tenant's requests. */
    private record Drained(List<Pending> taken, List<Request> requests, List<List<Settlement>> groups, int firstSettle) {
    }

    private final RedisLink link;
    private final HoldRenewals renewals;
    private final ReservationWatch watch;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final LongAdder dropped = new LongAdder();

    Settlements(RedisLink link, HoldRenewals renewals, ReservationWatch watch) {
        this.link = link;
        this.renewals = renewals;
        this.watch = watch;
    }

    /** The hold of an admitted request; one that Redis keeps ({@code member} not empty) is renewed while it runs. */
    Hold hold(Plan plan, String id, String member, boolean[] skipped) {
        Hold hold = new Hold(plan, id, member, skipped);
        if (hold.held()) {
            renewals.running(id, plan.prefix() + "h", member);
        }
        return hold;
    }

    /** Sends {@code request} in the next pipeline (kept while Redis is away, like settlements). */
    void later(Request request) {
        enqueue(new Write(request));
    }

    private void enqueue(Pending s) {
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            dropped.increment(); // the hold's TTL gives its reservations back; the ledger still has the usage
            return;
        }
        queue.add(s);
        scheduleFlush();
    }

    void scheduleFlush() {
        if (link.up() && flushScheduled.compareAndSet(false, true)) {
            // the next turn of the loop: what ends meanwhile goes in the same pipeline, and a seat is
            // back in Redis before the client that held it can send its next request
            Context here = Vertx.currentContext();
            (here != null ? here : link.vertx().getOrCreateContext()).runOnContext(v -> flush());
        }
    }

    /** Takes up to {@code max} pending writes: one command each, and one settle call per tenant. */
    private Drained drain(int max) {
        List<Pending> taken = new ArrayList<>();
        List<Request> requests = new ArrayList<>();
        Map<String, List<Settlement>> byTenant = new LinkedHashMap<>();
        Pending s;
        while (taken.size() < max && (s = queue.poll()) != null) {
            pending.decrementAndGet();
            switch (s) {
                case Settlement settlement when !settlement.needed() -> {
                }
                case Settlement settlement -> {
                    taken.add(s);
                    byTenant.computeIfAbsent(settlement.hold().plan.prefix(), k -> new ArrayList<>()).add(settlement);
                }
                case Write write -> {
                    taken.add(s);
                    requests.add(write.request());
                }
            }
        }
        int firstSettle = requests.size();
        long remember = link.settings().holdTtlSeconds() * 2000L;
        byTenant.forEach((prefix, settlements) -> requests.add(settleCall(prefix, settlements, remember)));
        return new Drained(taken, requests, new ArrayList<>(byTenant.values()), firstSettle);
    }

    /** Sends up to {@value #BATCH} pending writes in one pipeline: one settle call per tenant. */
    private void flush() {
        flushScheduled.set(false);
        if (!link.up()) {
            return; // kept until Redis answers again
        }
        Drained d = drain(BATCH);
        if (d.requests().isEmpty()) {
            return;
        }
        link.pipeline("settle", d.requests()).onComplete(ar -> {
            if (ar.failed()) {
                d.taken().forEach(this::requeue); // sent again later: a hold is released once, use added to an account once
                if (RedisScript.isNoScript(ar.cause())) {
                    link.loadScripts().onComplete(v -> scheduleFlush());
                } else {
                    link.markDown(ar.cause());
                }
                return;
            }
            for (int i = 0; i < d.groups().size(); i++) {
                noteReserved(d.groups().get(i), ar.result().get(d.firstSettle() + i));
            }
            if (!queue.isEmpty()) {
                scheduleFlush();
            }
        });
    }

    private void requeue(Pending s) {
        pending.incrementAndGet();
        queue.add(s);
    }

    /** One call of {@code settle.lua} for one tenant's settlements of a pipeline: buckets and accounts merged. */
    private static Request settleCall(String prefix, List<Settlement> settlements, long rememberMs) {
        Map<String, Double> refunds = new LinkedHashMap<>();
        Map<String, Integer> accountIndex = new LinkedHashMap<>();
        for (Settlement s : settlements) {
            Plan plan = s.hold().plan;
            for (int i = 0; i < plan.buckets().size(); i++) {
                long back = s.refund(i);
                if (back > 0) {
                    Plan.Bucket b = plan.buckets().get(i);
                    refunds.merge(b.key(), back * b.intervalUs(), Double::sum);
                }
            }
            plan.accounts().forEach(a -> accountIndex.putIfAbsent(a.key(), accountIndex.size()));
        }
        int accounts = accountIndex.size();
        List<String> keys = new ArrayList<>(3 + refunds.size() + accounts);
        keys.add(prefix + "c");
        keys.add(prefix + "h");
        keys.add(prefix + "done");
        keys.addAll(refunds.keySet());
        keys.addAll(accountIndex.keySet());
        List<String> args = new ArrayList<>(4 + refunds.size() + settlements.size() * (2 + 2 * accounts));
        args.add(Integer.toString(settlements.size()));
        args.add(Integer.toString(refunds.size()));
        args.add(Integer.toString(accounts));
        args.add(Long.toString(rememberMs));
        refunds.values().forEach(v -> args.add(Long.toString((long) Math.ceil(v))));
        for (Settlement s : settlements) {
            Hold h = s.hold();
            args.add(h.member);
            args.add(h.id);
            long[] reserved = new long[accounts];
            long[] used = new long[accounts];
            for (int j = 0; j < h.plan.accounts().size(); j++) {
                Plan.Account a = h.plan.accounts().get(j);
                int at = accountIndex.get(a.key());
                reserved[at] = h.skipped[h.plan.buckets().size() + j] ? 0 : a.amount();
                used[at] = a.allowance().tokens() ? s.used().tokens() : s.used().micros();
            }
            for (int j = 0; j < accounts; j++) {
                args.add(Long.toString(reserved[j]));
                args.add(Long.toString(used[j]));
            }
        }
        return LimiterScripts.SETTLE.call(keys, args);
    }

    /** What one settle call's answer says is still reserved on its money accounts. */
    private void noteReserved(List<Settlement> settlements, Response r) {
        if (r == null || !r.isArray()) {
            return;
        }
        List<String> seen = new ArrayList<>();
        for (Settlement s : settlements) {
            for (Plan.Account a : s.hold().plan.accounts()) {
                if (!seen.contains(a.key())) {
                    seen.add(a.key());
                    if (!a.allowance().tokens() && seen.size() <= r.size()) {
                        watch.reservedNow(a.key(), r.get(seen.size() - 1).toLong());
                    }
                }
            }
        }
    }

    /** Every write still pending (at close). */
    List<Request> drainAll() {
        return drain(Integer.MAX_VALUE).requests();
    }

    int pending() {
        return pending.get();
    }

    long dropped() {
        return dropped.sum();
    }
}
