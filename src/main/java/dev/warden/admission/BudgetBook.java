package dev.warden.admission;

import dev.warden.config.Budget;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.Ledger;
import dev.warden.record.LedgerWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Hard spending budgets (micro-units) and calendar token quotas (daily, monthly), enforced at
 * admission by reservation: a request may start only if what its tenant used in the period, plus
 * what requests in flight have reserved, plus its own worst case stays within every hard budget
 * and quota; its worst case is then reserved, and settled to what it really used when it ends.
 * So concurrent requests can never overspend a hard budget nor overrun a quota.
 *
 * <p>An account per (tenant, period): the spend before it existed is read once from the control
 * store (after the ledger writer has flushed, so no finished request is missed), and this
 * process's settlements are added to it in memory. Exact on one replica; across replicas each
 * counts only its own settlements after that read (the {@code redis} store makes it global).
 * Until an account's spend is read, its requests wait for the read, and a failed read refuses
 * them (fail closed). Budgets with {@code enforced: false} refuse nothing and count what they
 * would have refused.
 *
 * <p>Long-running jobs reserve their worst case here like one request of that cost, and it stays
 * spent while they run (their charges are part of it); what they did not use is refunded when
 * they end. An account made while jobs run starts from the ledger plus what those jobs still hold
 * ({@link #commitmentsFrom}), so the refund is right on it too.
 */
public final class BudgetBook {
    /** What a reservation came to: everything held, or a {@link Refusal} (nothing held). */
    public sealed interface Reservation permits Hold, Refusal {
    }

    /** What an admitted request reserved: an amount on each account (micro-units, or tokens for a quota). */
    public record Hold(List<Held> held) implements Reservation {
        public static final Hold NONE = new Hold(List.of());
    }

    /** One reservation on one account. */
    public record Held(Account account, long amount) {
    }

    /** One limit on a tenant's use in a calendar period: money ({@code tokens} false) or tokens. */
    public record Allowance(Budget.Period period, long limit, boolean tokens, boolean enforced) {
        public String code() {
            return tokens ? "quota_exhausted" : "budget_exhausted";
        }
    }

    /** One tenant's use in one period, in one unit. */
    public static final class Account {
        final long periodEndMs;
        final boolean tokens;
        final AtomicLong settled = new AtomicLong();
        final AtomicLong reserved = new AtomicLong();
        volatile long baseline = -1;
        Future<Void> loading;

        Account(long periodEndMs, boolean tokens) {
            this.periodEndMs = periodEndMs;
            this.tokens = tokens;
        }
    }

    private static final Future<Reservation> NOTHING_HELD = Future.succeededFuture(Hold.NONE);

    private record Parsed(String json, List<Allowance> budgets) {
    }

    private final Vertx vertx;
    private final Ledger ledger;
    private final LedgerWriter writer;
    private final Function<String, String> budgetsOf;
    private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Parsed> parsed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();

    /**
     * {@code ledger}: where the spend of finished requests is read; {@code writer}: the ledger's
     * writer, flushed before each read (null: nothing is queued); {@code budgetsOf}: a tenant's
     * stored {@code budgets} settings (JSON), or null.
     */
    public BudgetBook(Vertx vertx, Ledger ledger, LedgerWriter writer, Function<String, String> budgetsOf) {
        this.vertx = vertx;
        this.ledger = ledger;
        this.writer = writer;
        this.budgetsOf = budgetsOf;
    }

    /**
     * Reserves {@code micros} on each hard budget of the tenant and {@code tokens} on each of its
     * {@code quotas}; a {@link Refusal} (429) when one would be exceeded, or the spend cannot be
     * read (fail closed). Fails only on a bug.
     */
    public Future<Reservation> reserve(String tenant, long micros, long tokens, List<Allowance> quotas, long nowMs) {
        List<Allowance> all = allowances(tenant, quotas);
        if (all.isEmpty()) {
            return NOTHING_HELD;
        }
        List<Account> accountsOf = new ArrayList<>(all.size());
        List<Future<Void>> loads = new ArrayList<>(all.size());
        for (Allowance b : all) {
            long start = b.period().startMs(nowMs);
            Account a = accounts.computeIfAbsent(accountKey(tenant, b.tokens(), b.period(), start),
                    k -> new Account(b.period().endMs(nowMs), b.tokens()));
            accountsOf.add(a);
            loads.add(load(a, tenant, start));
        }
        return Future.all(loads).transform(ar -> {
            if (ar.failed()) {
                return Future.succeededFuture(new Refusal(GatewayError.of(ErrorCode.BUDGET_EXHAUSTED,
                        "The tenant's spend cannot be checked right now; retry shortly.", "budget_unknown"), 5));
            }
            List<Held> taken = new ArrayList<>(all.size());
            for (int i = 0; i < all.size(); i++) {
                Allowance b = all.get(i);
                Account a = accountsOf.get(i);
                long amount = b.tokens() ? tokens : micros;
                if (take(a, amount, b.limit())) {
                    taken.add(new Held(a, amount));
                    continue;
                }
                if (!b.enforced()) {
                    count(b.code() + "|shadow");
                    continue;
                }
                taken.forEach(h -> h.account().reserved.addAndGet(-h.amount()));
                count(b.code() + "|enforced");
                long retry = Math.max(1, (a.periodEndMs - nowMs + 999) / 1000);
                String what = b.tokens() ? "token quota" : "budget";
                return Future.succeededFuture(new Refusal(GatewayError.of(b.tokens() ? ErrorCode.QUOTA_EXHAUSTED : ErrorCode.BUDGET_EXHAUSTED,
                        "The tenant's " + b.period().id() + " " + what + " would be exceeded by this request.",
                        b.code() + ":" + b.period().id()), retry));
            }
            return Future.succeededFuture((Reservation) new Hold(List.copyOf(taken)));
        });
    }

    /** The request ended having cost {@code actualMicros} and used {@code actualTokens}: its reservations become that use. */
    public void settle(Hold hold, long actualMicros, long actualTokens) {
        for (Held h : hold.held()) {
            long used = Math.max(0, h.account().tokens ? actualTokens : actualMicros);
            h.account().settled.addAndGet(used); // use first: a concurrent check never sees less than the truth
            h.account().reserved.addAndGet(-h.amount());
        }
    }

    /** Where reservations are kept when not here: a shared limiter store's view (tenant, period, period start -> micro-units). */
    public interface Reservations {
        long reservedMicros(String tenant, Budget.Period period, long periodStartMs);
    }

    private volatile Reservations shared;
    private volatile ToLongFunction<String> jobsOutstanding = tenant -> 0;

    /** What a tenant's unfinished jobs hold and have not been charged (micro-units): read with each money account's baseline. */
    public void commitmentsFrom(ToLongFunction<String> outstanding) {
        this.jobsOutstanding = outstanding;
    }

    /**
     * A job ended {@code micros} under what it reserved: they come off the tenant's money accounts
     * of the current periods here (an account made later read a baseline without them).
     */
    public void refund(String tenant, long micros, long nowMs) {
        if (micros <= 0) {
            return;
        }
        for (Budget.Period period : Budget.Period.values()) {
            Account a = accounts.get(accountKey(tenant, false, period, period.startMs(nowMs)));
            if (a != null && a.baseline >= 0) {
                a.settled.addAndGet(-micros);
            }
        }
    }

    /** Reservations are made by a shared limiter store: report its view of them instead of this book's. */
    public void reservationsFrom(Reservations shared) {
        this.shared = shared;
    }

    /** What the tenant's requests in flight have reserved on its money budget of {@code period} now (0 if none). */
    public long reservedMicros(String tenant, Budget.Period period, long nowMs) {
        Reservations s = shared;
        if (s != null) {
            return s.reservedMicros(tenant, period, period.startMs(nowMs));
        }
        Account a = accounts.get(accountKey(tenant, false, period, period.startMs(nowMs)));
        return a == null ? 0 : a.reserved.get();
    }

    /** One account per tenant, unit (tokens or micro-units), period and period start. */
    private static String accountKey(String tenant, boolean tokens, Budget.Period period, long periodStartMs) {
        return tenant + '\n' + (tokens ? "tokens" : "micros") + '\n' + period.id() + '\n' + periodStartMs;
    }

    /** Drops the accounts of periods that have ended. */
    public void sweep(long nowMs) {
        accounts.values().removeIf(a -> a.periodEndMs <= nowMs && a.reserved.get() == 0);
    }

    /** Refusals so far ({@code budget_exhausted|enforced}, {@code quota_exhausted|shadow}...). */
    public Map<String, LongAdder> refusals() {
        return refused;
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
                a.baseline = readSpend(tenant, a.tokens, periodStartMs, a.periodEndMs);
                return null;
            }, false).onFailure(e -> {
                synchronized (a) {
                    a.loading = null; // the next request tries again
                }
            });
        }
        return a.loading;
    }

    /**
     * What the tenant used in {@code [periodStartMs, periodEndMs)} per the control store, in
     * tokens or micro-units, read on a worker after the ledger has written what finished: the
     * baseline of a shared (Redis) account the first time a replica meets it.
     */
    public Future<Long> spendBefore(String tenant, boolean tokens, long periodStartMs, long periodEndMs) {
        return vertx.executeBlocking(() -> readSpend(tenant, tokens, periodStartMs, periodEndMs), false);
    }

    private long readSpend(String tenant, boolean tokens, long periodStartMs, long periodEndMs) throws InterruptedException {
        if (writer != null && !writer.flush(5_000)) {
            throw new IllegalStateException("ledger not flushed");
        }
        long used = tokens ? 0 : jobsOutstanding.applyAsLong(tenant);
        for (var s : ledger.spend(periodStartMs, periodEndMs)) {
            if (s.tenantId().equals(tenant)) {
                used += tokens ? s.inputTokens() + s.outputTokens() : s.costMicros();
            }
        }
        return used;
    }

    /** The tenant's hard money budgets (from its settings, parsed once per change) and its token quotas. */
    public List<Allowance> allowances(String tenant, List<Allowance> quotas) {
        String json = budgetsOf.apply(tenant);
        if (json == null) {
            return quotas;
        }
        Parsed p = parsed.get(tenant);
        if (p == null || !p.json().equals(json)) {
            List<Allowance> hard = Budget.parse(json).stream().filter(b -> b.hard() && b.limitMicros() > 0)
                    .map(b -> new Allowance(b.period(), b.limitMicros(), false, b.enforced())).toList();
            p = new Parsed(json, hard);
            parsed.put(tenant, p);
        }
        if (quotas.isEmpty()) {
            return p.budgets();
        }
        List<Allowance> all = new ArrayList<>(p.budgets());
        all.addAll(quotas);
        return all;
    }

    private void count(String key) {
        refused.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
}
