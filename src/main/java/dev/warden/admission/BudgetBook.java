package dev.warden.admission;

import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import dev.warden.store.ControlStore;
import dev.warden.usage.Budget;
import dev.warden.usage.LedgerWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Hard spending budgets, enforced at admission by reservation: a request may start only if what
 * its tenant spent in the period, plus what requests in flight have reserved, plus its own
 * worst-case cost stays within every hard budget; its worst case is then reserved, and settled to
 * its real cost when it ends. So concurrent requests can never overspend a hard budget.
 *
 * <p>An account per (tenant, period): the spend before it existed is read once from the control
 * store (after the ledger writer has flushed, so no finished request is missed), and this
 * process's settlements are added to it in memory. Exact on one replica; across replicas each
 * counts only its own settlements after that read (the {@code redis} store makes it global).
 * Until an account's spend is read, its requests wait for the read, and a failed read refuses
 * them (fail closed). Budgets with {@code enforced: false} refuse nothing and count what they
 * would have refused.
 */
public final class BudgetBook {
    /** What an admitted request reserved: the amount on each account. */
    public record Hold(List<Account> accounts, long micros) {
        static final Hold NONE = new Hold(List.of(), 0);
    }

    /** One tenant's spend in one budget period. */
    public static final class Account {
        final long periodEndMs;
        final AtomicLong settled = new AtomicLong();
        final AtomicLong reserved = new AtomicLong();
        volatile long baseline = -1;
        Future<Void> loading;

        Account(long periodEndMs) {
            this.periodEndMs = periodEndMs;
        }
    }

    private record Parsed(String json, List<Budget> budgets) {
    }

    private final Vertx vertx;
    private final ControlStore store;
    private final LedgerWriter ledger;
    private final Function<String, String> budgetsOf;
    private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Parsed> parsed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();

    /** {@code budgetsOf}: a tenant's stored {@code budgets} settings (JSON), or null. */
    public BudgetBook(Vertx vertx, ControlStore store, LedgerWriter ledger, Function<String, String> budgetsOf) {
        this.vertx = vertx;
        this.store = store;
        this.ledger = ledger;
        this.budgetsOf = budgetsOf;
    }

    /** Reserves {@code micros} on each hard budget of the tenant; fails with a 429 GatewayError when one would be exceeded. */
    public Future<Hold> reserve(String tenant, long micros, long nowMs) {
        List<Budget> budgets = hardBudgets(tenant);
        if (budgets.isEmpty()) {
            return Future.succeededFuture(Hold.NONE);
        }
        List<Account> held = new ArrayList<>(budgets.size());
        List<Future<Void>> loads = new ArrayList<>(budgets.size());
        for (Budget b : budgets) {
            long start = b.period().startMs(nowMs);
            Account a = accounts.computeIfAbsent(tenant + '\n' + b.period().id() + '\n' + start, k -> new Account(b.period().endMs(nowMs)));
            held.add(a);
            loads.add(load(a, tenant, start));
        }
        return Future.all(loads).transform(ar -> {
            if (ar.failed()) {
                return Future.failedFuture(new Refused(GatewayError.of(ErrorCode.BUDGET_EXHAUSTED,
                        "The tenant's spend cannot be checked right now; retry shortly.", "budget_unknown"), 5));
            }
            List<Account> taken = new ArrayList<>(held.size());
            for (int i = 0; i < held.size(); i++) {
                Budget b = budgets.get(i);
                Account a = held.get(i);
                if (!take(a, micros, b.limitMicros())) {
                    if (b.enforced()) {
                        taken.forEach(t -> t.reserved.addAndGet(-micros));
                        count("budget_exhausted|enforced");
                        long retry = Math.max(1, (a.periodEndMs - nowMs + 999) / 1000);
                        return Future.failedFuture(new Refused(GatewayError.of(ErrorCode.BUDGET_EXHAUSTED, "The tenant's "
                                + b.period().id() + " budget would be exceeded by this request.", "budget_exhausted:" + b.period().id()), retry));
                    }
                    count("budget_exhausted|shadow");
                    continue;
                }
                taken.add(a);
            }
            return Future.succeededFuture(new Hold(List.copyOf(taken), micros));
        });
    }

    /** The request ended having cost {@code actualMicros}: its reservation becomes that spend. */
    public void settle(Hold hold, long actualMicros) {
        for (Account a : hold.accounts()) {
            a.settled.addAndGet(Math.max(0, actualMicros)); // spend first: a concurrent check never sees less than the truth
            a.reserved.addAndGet(-hold.micros());
        }
    }

    /** Drops the accounts of periods that have ended. */
    public void sweep(long nowMs) {
        accounts.values().removeIf(a -> a.periodEndMs <= nowMs && a.reserved.get() == 0);
    }

    /** Refusals so far ({@code budget_exhausted|enforced}, {@code budget_exhausted|shadow}). */
    public java.util.Map<String, LongAdder> refusals() {
        return refused;
    }

    /** Why a reservation was refused, and when to retry (seconds). */
    public static final class Refused extends RuntimeException {
        private final GatewayError error;
        private final long retryAfterSeconds;

        Refused(GatewayError error, long retryAfterSeconds) {
            super(error.reason(), null, false, false);
            this.error = error;
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public GatewayError error() {
            return error;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private static boolean take(Account a, long micros, long limit) {
        while (true) {
            long r = a.reserved.get();
            if (a.baseline + a.settled.get() + r + micros > limit) {
                return false;
            }
            if (a.reserved.compareAndSet(r, r + micros)) {
                return true;
            }
        }
    }

    /** The spend before this account existed: read once, after the ledger has written what finished. */
    private Future<Void> load(Account a, String tenant, long periodStartMs) {
        if (a.baseline >= 0) {
            return Future.succeededFuture(); // the common case: no lock
        }
        synchronized (a) {
            return startLoad(a, tenant, periodStartMs);
        }
    }

    private Future<Void> startLoad(Account a, String tenant, long periodStartMs) {
        if (a.loading == null) {
            a.loading = vertx.<Void>executeBlocking(() -> {
                if (ledger != null && !ledger.flush(5_000)) {
                    throw new IllegalStateException("ledger not flushed");
                }
                long spent = 0;
                for (var s : store.spend(periodStartMs, a.periodEndMs)) {
                    if (s.tenantId().equals(tenant)) {
                        spent += s.costMicros();
                    }
                }
                a.baseline = spent;
                return null;
            }, false).onFailure(e -> {
                synchronized (a) {
                    a.loading = null; // the next request tries again
                }
            });
        }
        return a.loading;
    }

    private List<Budget> hardBudgets(String tenant) {
        String json = budgetsOf.apply(tenant);
        if (json == null) {
            return List.of();
        }
        Parsed p = parsed.get(tenant);
        if (p == null || !p.json().equals(json)) {
            List<Budget> hard = Budget.parse(json).stream().filter(b -> b.hard() && b.limitMicros() > 0).toList();
            p = new Parsed(json, hard);
            parsed.put(tenant, p);
        }
        return p.budgets();
    }

    private void count(String key) {
        refused.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
}
