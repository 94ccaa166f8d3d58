package dev.warden.admission.store;

import dev.warden.admission.BudgetBook;
import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.SeatQueue;
import dev.warden.config.LimiterSettings;
import dev.warden.config.RateLimits;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter store shared by every replica: one Redis, one Lua script ({@code admit.lua}) per
 * admission that checks concurrency, every GCRA rate, pacing, every hard budget and token quota of
 * the tenant and makes every reservation, atomically, in one round trip, on the Redis server's
 * clock. Keys are {@code {namespace:tenant}:...}: one tenant's keys share a Redis Cluster slot.
 * A tenant's admissions that arrive on one event loop while its previous call is in flight go
 * together in the next call ({@link CallCoalescer}): each is still decided alone, in order, but a
 * busy tenant costs Redis one script call and each key one read and one write for many requests.
 *
 * <p>An admitted request's seat and budget reservations are a hold with a TTL, renewed by this
 * replica while the request runs: a replica that dies stops renewing, and the next admission of
 * that tenant (on any replica) gives its holds back. Settlements are batched: what ends within one
 * turn of the event loop goes to Redis in one pipeline, and a settlement sent twice counts once.
 *
 * <p>When Redis cannot be reached (an error, or no answer within {@code timeoutMs}): a tenant
 * with a hard budget or token quota is refused ({@code limiter_unavailable}, budgets fail
 * closed); a tier with {@code whenStoreDown: refuse} is refused; any other tenant is held to this
 * replica's share of each rate and of its concurrency (the limit divided by the replicas that were
 * alive), in memory. Redis is probed every 500 ms; when it answers, the buckets used meanwhile
 * start with no burst left (an outage forgives nothing), settlements kept meanwhile are sent, and
 * admissions go back to Redis.
 */
public final class RedisLimiterStore implements LimiterStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLimiterStore.class);
    private static final RedisScript ADMIT = RedisScript.of("admit");
    private static final RedisScript SETTLE = RedisScript.of("settle");
    private static final RedisScript RENEW = RedisScript.of("renew");
    private static final RedisScript DEBIT = RedisScript.of("debit");
    private static final RedisScript HEARTBEAT = RedisScript.of("heartbeat");
    static final RedisScript SEATS = RedisScript.of("seats");
    static final RedisScript UNSEAT = RedisScript.of("unseat");
    private static final List<RedisScript> SCRIPTS = List.of(ADMIT, SETTLE, RENEW, DEBIT, HEARTBEAT, SEATS, UNSEAT);
    private static final int MAX_PENDING_SETTLEMENTS = 100_000;
    private static final int SETTLE_BATCH = 256;
    /** At most this many admissions in one call of admit.lua (a call holds Redis for ~10 us per admission). */
    private static final int MAX_ADMIT_BATCH = 64;
    private static final long PROBE_MS = 500;
    private static final long HEARTBEAT_MS = 1000;
    private static final Answer UNLIMITED = new Answer((tokens, micros) -> { }, null, 0, List.of());

    /** One GCRA bucket the script checks: its policy name for the headers, key, charge and shape. */
    private record Bucket(String policy, String key, long units, double intervalUs, double toleranceUs, long burst, int windowSeconds,
                          boolean tokens) {
    }

    /** One budget or quota account the script reserves on. */
    private record Account(BudgetBook.Allowance allowance, String key, long amount, long periodEndMs) {
    }

    /** Everything one admission sends: who, what limits, which buckets and accounts. */
    private record Plan(LimiterStore.Ask ask, String tenant, String prefix, List<Bucket> buckets, List<Account> accounts) {
        boolean empty() {
            return buckets.isEmpty() && accounts.isEmpty() && ask.limits().concurrency() <= 0;
        }
    }

    /** One admission for {@code admit.lua}: its plan, the accounts' baselines, and the id of its hold. */
    private record Admission(Plan plan, long[] baselines, String holdId) {
    }

    /** Admissions are coalesced per tenant and event loop (the loop's own connection carries them). */
    private record Lane(Thread loop, String tenantPrefix) {
    }

    private final Vertx vertx;
    private final RedisConnections redis;
    private final LimiterSettings settings;
    private final BudgetBook budgets;
    private final Limiter fallback = new Limiter();
    private final String replica;
    private final AtomicLong holdIds = new AtomicLong();
    private volatile boolean up;
    private volatile int replicas = 1;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final Set<String> knownAccounts = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, RedisSeats> seatsByPool = new ConcurrentHashMap<>();
    /** What every replica's requests hold on each known money account, as last read (forecasts, /spend). */
    private final ConcurrentHashMap<String, Long> reservedSeen = new ConcurrentHashMap<>();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /** Per tenant and bucket key: what this replica admitted on its own while Redis was down. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, UsedWhileDown>> usedWhileDown = new ConcurrentHashMap<>();

    /** A bucket's charges admitted here while Redis was away (us of its time), and its tolerance (us): what it is debited. */
    private record UsedWhileDown(double chargedUs, double toleranceUs) {
        UsedWhileDown plus(UsedWhileDown more) {
            return new UsedWhileDown(chargedUs + more.chargedUs, more.toleranceUs);
        }
    }
    /** Holds of requests running on this replica (hold id -> its holds key), renewed until they end. */
    private final ConcurrentHashMap<String, Renewal> live = new ConcurrentHashMap<>();

    /** What renews one running request's hold: the sorted set it is in, and its member there. */
    private record Renewal(String holdsKey, String member) {
    }
    private final ConcurrentLinkedQueue<Pending> settling = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> roundTrips = new ConcurrentHashMap<>();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder admissionsSent = new LongAdder();
    private final CallCoalescer<Admission> admissions = new CallCoalescer<>(MAX_ADMIT_BATCH, this::admitCall);
    private final LongAdder errors = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final List<Long> timers = new ArrayList<>();

    private RedisLimiterStore(Vertx vertx, LimiterSettings settings, BudgetBook budgets) {
        this.vertx = vertx;
        this.settings = settings;
        this.budgets = budgets;
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        this.replica = HexFormat.of().formatHex(id);
        this.redis = new RedisConnections(Redis.createClient(vertx, new RedisOptions().setConnectionString(settings.redisUrl())
                .setMaxPoolSize(64).setMaxPoolWaiting(4096).setMaxWaitingHandlers(16_384)));
    }

    /**
     * Connects, loads the scripts and starts the heartbeat, the renewal of running requests'
     * holds and the settlement batches. A Redis that cannot be reached at start is not fatal:
     * the store starts down (see the class comment) and keeps probing.
     */
    public static Future<RedisLimiterStore> start(Vertx vertx, LimiterSettings settings, BudgetBook budgets) {
        RedisLimiterStore s = new RedisLimiterStore(vertx, settings, budgets);
        s.timers.add(vertx.setPeriodic(HEARTBEAT_MS, t -> s.heartbeat()));
        long renewEvery = Math.max(1000, settings.holdTtlSeconds() * 1000L / 3);
        s.timers.add(vertx.setPeriodic(renewEvery, t -> s.renew()));
        s.timers.add(vertx.setPeriodic(HEARTBEAT_MS, t -> s.readReservations()));
        if (budgets != null) {
            budgets.reservationsFrom((tenant, period, start) -> {
                String key = accountKey(s.prefix(tenant), false, period, start);
                s.watched.add(key); // read from the next second on, even if this replica never admits for it
                return s.reservedSeen.getOrDefault(key, 0L);
            });
        }
        return s.loadScripts().compose(v -> s.heartbeatNow()).transform(ar -> {
            if (ar.succeeded()) {
                s.up = true;
                LOG.info("limiter store: redis {} (replica {}, {} replicas alive)", settings.redactedRedisUrl(), s.replica, s.replicas);
            } else {
                LOG.warn("limiter store: redis {} unreachable at start ({}); deciding on this replica's share until it answers",
                        settings.redactedRedisUrl(), ar.cause().toString());
                s.markDown(ar.cause());
            }
            return Future.succeededFuture(s);
        });
    }

    @Override
    public Future<Answer> admit(Ask ask) {
        Plan plan = plan(ask, System.currentTimeMillis());
        if (plan.empty()) {
            return Future.succeededFuture(UNLIMITED);
        }
        if (!up) {
            return Future.succeededFuture(whileDown(plan));
        }
        Context caller = Vertx.currentContext();
        Future<Answer> answer = baselines(plan).compose(b -> b == null ? Future.succeededFuture(budgetUnknown(plan)) : call(plan, b, true));
        return onCaller(caller, answer);
    }

    private Plan plan(Ask ask, long nowMs) {
        Limiter.Caller c = ask.caller();
        RateLimits limits = ask.limits();
        String prefix = prefix(c.tenant());
        List<Bucket> buckets = new ArrayList<>(4);
        if (limits.any()) {
            List<Limiter.Scope> scopes = Limiter.scopes(c, limits);
            for (int pass = 0; pass < 2; pass++) { // every request rate, then every token rate (as the local store)
                boolean isTokens = pass == 1;
                for (Limiter.Scope s : scopes) {
                    long perMinute = isTokens ? s.rate().tokensPerMinute() : s.rate().requestsPerMinute();
                    if (perMinute > 0) {
                        buckets.add(bucket(s.name() + (isTokens ? "-tokens" : "-requests"), prefix + (isTokens ? "t:" : "q:") + s.key(),
                                isTokens ? ask.worstTokens() : 1, perMinute, limits.burstSeconds(), isTokens));
                    }
                }
            }
        }
        if (ask.paceMicrosPerMinute() > 0) {
            buckets.add(bucket("budget-pacing", prefix + "pace", Math.max(0, ask.worstMicros()), ask.paceMicrosPerMinute(),
                    limits.burstSeconds(), false));
        }
        List<BudgetBook.Allowance> allowances = budgets == null ? ask.quotas() : budgets.allowances(c.tenant(), ask.quotas());
        List<Account> accounts = new ArrayList<>(allowances.size());
        for (BudgetBook.Allowance a : allowances) {
            long start = a.period().startMs(nowMs);
            accounts.add(new Account(a, accountKey(prefix, a.tokens(), a.period(), start),
                    a.tokens() ? ask.worstTokens() : ask.worstMicros(), a.period().endMs(nowMs)));
        }
        return new Plan(ask, c.tenant(), prefix, buckets, accounts);
    }

    /** Every key of one tenant starts with this: its hash tag puts them on one Redis Cluster slot. */
    private String prefix(String tenant) {
        return "{" + settings.namespace() + ":" + tenant + "}:";
    }

    private static final String MONEY = "}:b:micros:";

    /** A budget (micro-units) or token quota account of one tenant for one period. */
    private static String accountKey(String prefix, boolean tokens, dev.warden.usage.Budget.Period period, long periodStartMs) {
        return prefix + "b:" + (tokens ? "tokens" : "micros") + ":" + period.id() + ":" + periodStartMs;
    }

    private static Bucket bucket(String policy, String key, long units, long perMinute, int burstSeconds, boolean tokens) {
        double interval = 60_000_000.0 / perMinute;
        long burst = Math.max(1, perMinute * burstSeconds / 60);
        return new Bucket(policy, key, units, interval, burst * interval, burst, burstSeconds, tokens);
    }

    /** Each account's baseline for the script: -1 where Redis has it already; null if one cannot be read (fail closed). */
    private Future<long[]> baselines(Plan plan) {
        long[] out = new long[plan.accounts().size()];
        List<Future<Long>> reads = null;
        for (int j = 0; j < out.length; j++) {
            Account a = plan.accounts().get(j);
            if (knownAccounts.contains(a.key())) {
                out[j] = -1;
                continue;
            }
            if (reads == null) {
                reads = new ArrayList<>();
            }
            int at = j;
            long start = a.allowance().period().startMs(System.currentTimeMillis());
            Future<Long> read = budgets == null ? Future.succeededFuture(0L)
                    : budgets.spendBefore(plan.tenant(), a.allowance().tokens(), start, a.periodEndMs());
            reads.add(read.onSuccess(v -> out[at] = v));
        }
        if (reads == null) {
            return Future.succeededFuture(out);
        }
        return Future.all(reads).transform(ar -> Future.succeededFuture(ar.succeeded() ? out : null));
    }

    private Future<Answer> call(Plan plan, long[] baselines, boolean mayRetry) {
        String holdId = newHoldId();
        return admissions.submit(new Lane(Thread.currentThread(), plan.prefix()), new Admission(plan, baselines, holdId))
                .transform(ar -> answered(plan, baselines, holdId, ar, mayRetry));
    }

    /**
     * One call of {@code admit.lua} for admissions of one tenant, in order. What admissions share
     * (their limits on the same keys: a shape) is sent once, each of them only its hold id and
     * charges: the script parses a tier's numbers once per call, not once per admission.
     */
    private Request admitRequest(List<Admission> batch) {
        String prefix = batch.get(0).plan().prefix();
        List<Admission> shapes = new ArrayList<>(2); // the first admission of each shape stands for it
        int[] shapeOf = new int[batch.size()];
        for (int n = 0; n < batch.size(); n++) {
            Admission admission = batch.get(n);
            if (!admission.plan().prefix().equals(prefix)) {
                throw new IllegalArgumentException("one call of admit.lua is for one tenant's keys");
            }
            int s = 0;
            while (s < shapes.size() && !sameShape(shapes.get(s), admission)) {
                s++;
            }
            if (s == shapes.size()) {
                shapes.add(admission);
            }
            shapeOf[n] = s + 1;
        }
        Map<String, Integer> keyIndex = new java.util.HashMap<>();
        List<String> keys = new ArrayList<>(8);
        keys.add(prefix + "c");
        keys.add(prefix + "h");
        List<String> args = new ArrayList<>(3 + shapes.size() * 20 + batch.size() * 8);
        args.add(Long.toString(settings.holdTtlSeconds() * 1000L));
        args.add(Integer.toString(shapes.size()));
        for (Admission shape : shapes) {
            Plan plan = shape.plan();
            RateLimits limits = plan.ask().limits();
            String enforced = limits.enforced() ? "1" : "0";
            args.add(Integer.toString(limits.concurrency()));
            args.add(enforced);
            args.add(Integer.toString(plan.buckets().size()));
            args.add(Integer.toString(plan.accounts().size()));
            for (Bucket b : plan.buckets()) {
                args.add(keyIndex(keyIndex, keys, b.key()));
                args.add(Double.toString(b.intervalUs()));
                args.add(Double.toString(b.toleranceUs()));
                args.add(enforced);
            }
            for (int j = 0; j < plan.accounts().size(); j++) {
                Account a = plan.accounts().get(j);
                args.add(keyIndex(keyIndex, keys, a.key()));
                args.add(Long.toString(a.allowance().limit()));
                args.add(Long.toString(shape.baselines()[j]));
                args.add(Long.toString(a.periodEndMs()));
                args.add(a.allowance().enforced() ? "1" : "0");
            }
        }
        args.add(Integer.toString(batch.size()));
        for (int n = 0; n < batch.size(); n++) {
            Admission admission = batch.get(n);
            args.add(Integer.toString(shapeOf[n]));
            args.add(admission.holdId());
            for (Bucket b : admission.plan().buckets()) {
                args.add(Long.toString(b.units()));
            }
            for (Account a : admission.plan().accounts()) {
                args.add(Long.toString(a.amount()));
            }
        }
        return ADMIT.call(keys, args);
    }

    /** Whether two admissions have one shape: the same limits on the same keys (their charges may differ). */
    private static boolean sameShape(Admission x, Admission y) {
        Plan p = x.plan();
        Plan q = y.plan();
        RateLimits lp = p.ask().limits();
        RateLimits lq = q.ask().limits();
        if (lp.concurrency() != lq.concurrency() || lp.enforced() != lq.enforced()
                || p.buckets().size() != q.buckets().size() || p.accounts().size() != q.accounts().size()) {
            return false;
        }
        for (int i = 0; i < p.buckets().size(); i++) {
            Bucket a = p.buckets().get(i);
            Bucket b = q.buckets().get(i);
            if (!a.key().equals(b.key()) || a.intervalUs() != b.intervalUs() || a.toleranceUs() != b.toleranceUs()) {
                return false;
            }
        }
        for (int j = 0; j < p.accounts().size(); j++) {
            Account a = p.accounts().get(j);
            Account b = q.accounts().get(j);
            if (!a.key().equals(b.key()) || a.allowance().limit() != b.allowance().limit()
                    || a.allowance().enforced() != b.allowance().enforced() || a.periodEndMs() != b.periodEndMs()
                    || x.baselines()[j] != y.baselines()[j]) {
                return false;
            }
        }
        return true;
    }

    /** The script's (1-based) index of {@code key} in {@code keys}, added the first time it is named. */
    private static String keyIndex(Map<String, Integer> index, List<String> keys, String key) {
        return Integer.toString(index.computeIfAbsent(key, k -> {
            keys.add(k);
            return keys.size();
        }));
    }

    /** One coalesced call: the admissions waiting in one lane, loading the scripts once if Redis answers NOSCRIPT. */
    private Future<Response> admitCall(List<Admission> batch) {
        admissionsSent.add(batch.size());
        return send("admit", admitRequest(batch)).recover(e -> RedisScript.isNoScript(e)
                ? loadScripts().compose(v -> send("admit", admitRequest(batch))) : Future.failedFuture(e));
    }

    /** What the admission script answered (or why it did not): the decision, or another try. */
    private Future<Answer> answered(Plan plan, long[] baselines, String holdId, io.vertx.core.AsyncResult<Response> ar, boolean mayRetry) {
        List<Account> accounts = plan.accounts();
        if (ar.failed()) {
            if (RedisScript.isNoScript(ar.cause()) && mayRetry) {
                return loadScripts().compose(v -> call(plan, baselines, false));
            }
            markDown(ar.cause());
            return Future.succeededFuture(whileDown(plan));
        }
        Response r = ar.result();
        int status = r.get(0).toInteger();
        if (status == 2) { // Redis lost an account (restarted, flushed): read its baseline again, once
            int j = r.get(1).toInteger() - 1;
            knownAccounts.remove(accounts.get(j).key());
            if (!mayRetry) {
                return Future.succeededFuture(budgetUnknown(plan));
            }
            return baselines(plan).compose(b -> b == null ? Future.succeededFuture(budgetUnknown(plan)) : call(plan, b, false));
        }
        accounts.forEach(a -> knownAccounts.add(a.key()));
        if (status == 1) {
            return Future.succeededFuture(admitted(plan, holdId, r));
        }
        return Future.succeededFuture(refusedBy(plan, r));
    }

    /**
     * Admission and the pool's first ask for seats in one pipeline (one round trip; on a Redis
     * Cluster the two scripts go to their own slots' nodes). Seats granted to a request its
     * admission refused go back at once; a request that got no seats waits in the seat queue.
     */
    @Override
    public Future<Admitted> admit(Ask ask, SeatAsk seats) {
        RedisSeats.FirstAsk first = seats == null || !up ? null
                : seatsOf(seats.pool(), seats.capacity()).firstAsk(ask.caller().tenant(), seats.seats(), seats.weight(), seats.batch());
        if (first == null) {
            return admit(ask).map(a -> new Admitted(a, null));
        }
        Plan plan = plan(ask, System.currentTimeMillis());
        Context caller = Vertx.currentContext();
        if (plan.empty()) {
            return onCaller(caller, send("seats", first.request()).transform(ar -> {
                if (ar.failed()) { // the seat queue asks again (or decides locally if Redis is away)
                    if (!RedisScript.isNoScript(ar.cause())) {
                        markDown(ar.cause());
                    }
                    return Future.succeededFuture(new Admitted(UNLIMITED, null));
                }
                return Future.succeededFuture(new Admitted(UNLIMITED, first.answer(ar.result())));
            }));
        }
        Future<Admitted> admitted = baselines(plan).compose(b -> {
            if (b == null) {
                return Future.succeededFuture(new Admitted(budgetUnknown(plan), null));
            }
            String holdId = newHoldId();
            roundTrip("admit");
            admissionsSent.increment();
            return redis.batch(List.of(admitRequest(List.of(new Admission(plan, b, holdId))), first.request()))
                    .timeout(settings.timeoutMs(), TimeUnit.MILLISECONDS).transform(ar -> {
                        if (ar.failed()) { // neither is known to have run: the plain path decides (a granted seat expires)
                            if (RedisScript.isNoScript(ar.cause())) {
                                return loadScripts().compose(v -> call(plan, b, false)).map(a -> new Admitted(a, null));
                            }
                            markDown(ar.cause());
                            return Future.succeededFuture(new Admitted(whileDown(plan), null));
                        }
                        SeatQueue.Held held = first.answer(ar.result().get(1));
                        return answered(plan, b, holdId, Future.succeededFuture(ar.result().get(0).get(0)), true).map(a -> {
                            if (a.refusal() != null) {
                                if (held != null) {
                                    held.release();
                                } else {
                                    first.leave();
                                }
                                return new Admitted(a, null);
                            }
                            return new Admitted(a, held);
                        });
                    });
        });
        return onCaller(caller, admitted);
    }

    private Answer admitted(Plan plan, String holdId, Response r) {
        boolean seat = r.get(1).toInteger() == 1;
        String shadow = r.get(2).toString();
        List<Bucket> buckets = plan.buckets();
        String member = r.get(3).toString();
        List<Limiter.Policy> policies = policies(buckets, r, 4);
        boolean[] skipped = new boolean[buckets.size() + plan.accounts().size()];
        if (!shadow.isEmpty()) {
            for (String s : shadow.split(",")) {
                if (s.equals("c")) {
                    count("concurrency_limited", false);
                } else if (s.startsWith("r")) {
                    skipped[Integer.parseInt(s.substring(1)) - 1] = true;
                    count("rate_limited", false);
                } else {
                    int j = Integer.parseInt(s.substring(1)) - 1;
                    skipped[buckets.size() + j] = true;
                    count(plan.accounts().get(j).allowance().code(), false);
                }
            }
        }
        RedisHold hold = new RedisHold(this, plan, holdId, member, skipped);
        if (hold.held()) {
            live.put(holdId, new Renewal(plan.prefix() + "h", member));
        }
        return new Answer(hold, null, 0, policies);
    }

    private Answer refusedBy(Plan plan, Response r) {
        String kind = r.get(1).toString();
        int index = r.get(2).toInteger() - 1;
        List<Limiter.Policy> policies = kind.equals("c") ? List.of() : policies(plan.buckets(), r, 4);
        if (kind.equals("c")) {
            count("concurrency_limited", true);
            return Answer.refused(GatewayError.of(ErrorCode.CONCURRENCY_LIMITED, "This tenant already has "
                    + plan.ask().limits().concurrency() + " requests in flight.", "concurrency_limited"), 1, policies);
        }
        if (kind.equals("r")) {
            Bucket b = plan.buckets().get(index);
            count("rate_limited", true);
            long retry = (long) Math.ceil(r.get(3).toLong() / 1_000_000.0);
            String detail = b.policy().equals("budget-pacing")
                    ? "The tenant's spending is paced so its budget lasts the period; retry after the time in Retry-After."
                    : "The " + b.policy().replace('-', ' ') + " limit is reached; retry after the time in Retry-After.";
            return Answer.refused(GatewayError.of(ErrorCode.RATE_LIMITED, detail, "rate_limited:" + b.policy()), retry, policies);
        }
        Account a = plan.accounts().get(index);
        BudgetBook.Allowance allowance = a.allowance();
        count(allowance.code(), true);
        long retry = Math.max(1, (a.periodEndMs() - System.currentTimeMillis() + 999) / 1000);
        return Answer.refused(GatewayError.of(allowance.tokens() ? ErrorCode.QUOTA_EXHAUSTED : ErrorCode.BUDGET_EXHAUSTED,
                "The tenant's " + allowance.period().id() + " " + (allowance.tokens() ? "token quota" : "budget")
                        + " would be exceeded by this request.", allowance.code() + ":" + allowance.period().id()), retry, policies);
    }

    /** The {@code RateLimit} policies from each bucket's backlog (us) in the answer, from index {@code from}. */
    private static List<Limiter.Policy> policies(List<Bucket> buckets, Response r, int from) {
        List<Limiter.Policy> out = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            long backlog = r.get(from + i).toLong();
            long remaining = (long) Math.max(0, Math.floor((b.toleranceUs() - backlog) / b.intervalUs()));
            out.add(new Limiter.Policy(b.policy(), b.burst(), b.windowSeconds(), Math.min(remaining, b.burst()),
                    Math.ceilDiv(Math.max(0, backlog), 1_000_000L)));
        }
        return out;
    }

    private Answer budgetUnknown(Plan plan) {
        count("budget_exhausted", true);
        return Answer.refused(GatewayError.of(ErrorCode.BUDGET_EXHAUSTED, "The tenant's spend cannot be checked right now; retry shortly.",
                "budget_unknown"), 5, List.of());
    }

    /** Redis cannot be reached: budgets fail closed; rates are held to this replica's share. */
    private Answer whileDown(Plan plan) {
        fallbacks.increment();
        RateLimits limits = plan.ask().limits();
        boolean budgeted = plan.accounts().stream().anyMatch(a -> a.allowance().enforced());
        if (budgeted || (limits.refuseWhenStoreDown() && limits.enforced())) {
            count("limiter_unavailable", true);
            return Answer.refused(GatewayError.of(ErrorCode.LIMITER_UNAVAILABLE, budgeted
                    ? "The tenant's budget cannot be checked while the limiter store is unreachable; retry shortly."
                    : "The limiter store is unreachable and this tenant's tier refuses requests until it is back.",
                    budgeted ? "limiter_unavailable:budget" : "limiter_unavailable"), 1, List.of());
        }
        int n = replicas;
        long now = System.nanoTime();
        Limiter.Decision d = fallback.admit(plan.ask().caller(), limits.share(n), plan.ask().estimate(), now);
        if (d.refusal() != null) {
            return Answer.refused(d.refusal(), d.retryAfterSeconds(), d.policies());
        }
        if (plan.ask().paceMicrosPerMinute() > 0) {
            Limiter.Decision paced = fallback.pace(plan.tenant(), plan.ask().worstMicros(), Math.max(1, plan.ask().paceMicrosPerMinute() / n),
                    limits.burstSeconds(), limits.enforced(), now);
            if (paced.refusal() != null) {
                fallback.settle(d.reservation(), 0, now);
                return Answer.refused(paced.refusal(), paced.retryAfterSeconds(), paced.policies());
            }
        }
        // what Redis's buckets are debited when it answers again: this admission's charges, at their worst
        ConcurrentHashMap<String, UsedWhileDown> used = usedWhileDown.computeIfAbsent(plan.tenant(), t -> new ConcurrentHashMap<>());
        plan.buckets().forEach(b -> used.merge(b.key(), new UsedWhileDown(b.units() * b.intervalUs(), b.toleranceUs()), UsedWhileDown::plus));
        Limiter.Reservation reservation = d.reservation();
        return new Answer((tokens, micros) -> fallback.settle(reservation, tokens, System.nanoTime()), null, 0, d.policies());
    }

    /** One request's hold in Redis: settled once, in the next pipeline. */
    private static final class RedisHold implements Hold {
        final RedisLimiterStore store;
        final Plan plan;
        final String id;
        /** Its member in the tenant's holds ("id|seat;account=amount;..."), or "" when it holds nothing there. */
        final String member;
        /** Buckets and accounts the script did not charge (shadow refusals). */
        final boolean[] skipped;
        final AtomicBoolean settled = new AtomicBoolean();

        RedisHold(RedisLimiterStore store, Plan plan, String id, String member, boolean[] skipped) {
            this.store = store;
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
        public void settle(long tokens, long micros) {
            if (settled.compareAndSet(false, true)) {
                store.ended(id);
                store.enqueue(new Settlement(this, Math.max(0, tokens), Math.max(0, micros)));
            }
        }
    }

    /** A write that waits for the next pipeline to Redis: a settlement (sent per tenant), or one command. */
    private sealed interface Pending permits Settlement, Write {
    }

    /** One command for the next pipeline (seats given back, a waiter leaving). */
    private record Write(Request request) implements Pending {
    }

    private record Settlement(RedisHold hold, long tokens, long micros) implements Pending {
        /** Whether it has anything for Redis: a hold, unused tokens to refund, or use to add to an account. */
        boolean needed() {
            return hold.held() || !hold.plan.accounts().isEmpty() || refundable() > 0;
        }

        long refundable() {
            long unused = hold.plan.ask().worstTokens() - tokens;
            if (unused <= 0) {
                return 0;
            }
            for (int i = 0; i < hold.plan.buckets().size(); i++) {
                if (hold.plan.buckets().get(i).tokens() && !hold.skipped[i]) {
                    return unused;
                }
            }
            return 0;
        }
    }

    /** One call of {@code settle.lua} for one tenant's settlements of a pipeline: buckets and accounts merged. */
    private static Request settleCall(String prefix, List<Settlement> settlements, long rememberMs) {
        Map<String, Double> refunds = new LinkedHashMap<>();
        Map<String, Integer> accountIndex = new LinkedHashMap<>();
        for (Settlement s : settlements) {
            Plan plan = s.hold().plan;
            long unused = s.refundable();
            for (int i = 0; i < plan.buckets().size(); i++) {
                Bucket b = plan.buckets().get(i);
                if (unused > 0 && b.tokens() && !s.hold().skipped[i]) {
                    refunds.merge(b.key(), unused * b.intervalUs(), Double::sum);
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
            RedisHold h = s.hold();
            args.add(h.member);
            args.add(h.id);
            long[] reserved = new long[accounts];
            long[] used = new long[accounts];
            for (int j = 0; j < h.plan.accounts().size(); j++) {
                Account a = h.plan.accounts().get(j);
                int at = accountIndex.get(a.key());
                reserved[at] = h.skipped[h.plan.buckets().size() + j] ? 0 : a.amount();
                used[at] = a.allowance().tokens() ? s.tokens() : s.micros();
            }
            for (int j = 0; j < accounts; j++) {
                args.add(Long.toString(reserved[j]));
                args.add(Long.toString(used[j]));
            }
        }
        return SETTLE.call(keys, args);
    }

    /** What one settle call's answer says is still reserved on its money accounts. */
    private void noteReserved(List<Settlement> settlements, Response r) {
        if (r == null || !r.isArray()) {
            return;
        }
        List<String> seen = new ArrayList<>();
        for (Settlement s : settlements) {
            for (Account a : s.hold().plan.accounts()) {
                if (!seen.contains(a.key())) {
                    seen.add(a.key());
                    if (!a.allowance().tokens() && seen.size() <= r.size()) {
                        reservedSeen.put(a.key(), Math.max(0, r.get(seen.size() - 1).toLong()));
                    }
                }
            }
        }
    }

    /** Sends {@code request} in the next pipeline (kept while Redis is away, like settlements). */
    void later(Request request) {
        enqueue(new Write(request));
    }

    private void enqueue(Pending s) {
        if (pending.incrementAndGet() > MAX_PENDING_SETTLEMENTS) {
            pending.decrementAndGet();
            dropped.increment(); // the hold's TTL gives its reservations back; the ledger still has the usage
            return;
        }
        settling.add(s);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (up && flushScheduled.compareAndSet(false, true)) {
            // the next turn of the loop: what ends meanwhile goes in the same pipeline, and a seat is
            // back in Redis before the client that held it can send its next request
            Context here = Vertx.currentContext();
            (here != null ? here : vertx.getOrCreateContext()).runOnContext(v -> flush());
        }
    }

    /** Pending writes taken for one pipeline: its commands, and which of them settle which tenant's requests. */
    private record Drained(List<Pending> taken, List<Request> requests, List<List<Settlement>> groups, int firstSettle) {
    }

    /** Takes up to {@code max} pending writes: one command each, and one settle call per tenant. */
    private Drained drain(int max) {
        List<Pending> taken = new ArrayList<>();
        List<Request> requests = new ArrayList<>();
        Map<String, List<Settlement>> byTenant = new LinkedHashMap<>();
        Pending s;
        while (taken.size() < max && (s = settling.poll()) != null) {
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
        long remember = settings.holdTtlSeconds() * 2000L;
        byTenant.forEach((prefix, settlements) -> requests.add(settleCall(prefix, settlements, remember)));
        return new Drained(taken, requests, new ArrayList<>(byTenant.values()), firstSettle);
    }

    /** Sends up to {@value #SETTLE_BATCH} pending writes in one pipeline: one settle call per tenant. */
    private void flush() {
        flushScheduled.set(false);
        if (!up) {
            return; // kept until Redis answers again
        }
        Drained d = drain(SETTLE_BATCH);
        if (d.requests().isEmpty()) {
            return;
        }
        pipeline("settle", d.requests()).onComplete(ar -> {
            if (ar.failed()) {
                d.taken().forEach(this::requeue); // sent again later: a hold is released once, use added to an account once
                if (RedisScript.isNoScript(ar.cause())) {
                    loadScripts().onComplete(v -> scheduleFlush());
                } else {
                    markDown(ar.cause());
                }
                return;
            }
            for (int i = 0; i < d.groups().size(); i++) {
                noteReserved(d.groups().get(i), ar.result().get(d.firstSettle() + i));
            }
            if (!settling.isEmpty()) {
                scheduleFlush();
            }
        });
    }

    private void requeue(Pending s) {
        pending.incrementAndGet();
        settling.add(s);
    }

    /** Moves the expiry of this replica's running requests' holds: one pipeline, one script per tenant. */
    private void renew() {
        if (!up || live.isEmpty()) {
            return;
        }
        Map<String, List<String>> byHoldsKey = new java.util.HashMap<>();
        live.forEach((id, r) -> byHoldsKey.computeIfAbsent(r.holdsKey(), k -> new ArrayList<>()).add(r.member()));
        List<Request> requests = new ArrayList<>(byHoldsKey.size());
        String ttl = Long.toString(settings.holdTtlSeconds() * 1000L);
        byHoldsKey.forEach((holdsKey, ids) -> {
            List<String> args = new ArrayList<>(ids.size() + 1);
            args.add(ttl);
            args.addAll(ids);
            requests.add(RENEW.call(List.of(holdsKey), args));
        });
        pipeline("renew", requests).onFailure(this::markDown);
    }

    /** Reads what is reserved on the money accounts this replica knows, and each pool's seats in use: one pipeline a second. */
    private void readReservations() {
        Set<String> keys = new java.util.HashSet<>(watched);
        knownAccounts.stream().filter(k -> k.contains(MONEY)).forEach(keys::add);
        List<String> accounts = List.copyOf(keys);
        List<RedisSeats> pools = List.copyOf(seatsByPool.values());
        if (!up || accounts.isEmpty() && pools.isEmpty()) {
            return;
        }
        List<Request> reads = new ArrayList<>(accounts.size() + pools.size());
        accounts.forEach(k -> reads.add(Request.cmd(Command.HGET).arg(k).arg("r")));
        pools.forEach(p -> reads.add(Request.cmd(Command.GET).arg(p.usedKey())));
        pipeline("read", reads).onSuccess(rs -> {
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

    private void heartbeat() {
        if (up) {
            heartbeatNow().onFailure(this::markDown);
        }
    }

    /** Tells Redis this replica is alive; learns how many are (each one's share when Redis goes away). */
    private Future<Void> heartbeatNow() {
        return send("heartbeat", HEARTBEAT.call(List.of("{" + settings.namespace() + "}:replicas"),
                List.of(replica, Long.toString(HEARTBEAT_MS * 3)))).map(r -> {
                    replicas = Math.max(1, r.toInteger());
                    return null;
                });
    }

    private Future<Void> loadScripts() {
        List<Request> loads = SCRIPTS.stream().map(RedisScript::load).toList();
        return pipeline("load", loads).mapEmpty();
    }

    /** Several commands in one round trip (counted as {@code op}), with a generous timeout: nobody waits on them. */
    private Future<List<Response>> pipeline(String op, List<Request> requests) {
        roundTrip(op);
        return redis.batch(requests).timeout(settings.timeoutMs() * 4L, TimeUnit.MILLISECONDS);
    }

    private Future<Response> send(String op, Request request) {
        roundTrip(op);
        return redis.send(request).timeout(settings.timeoutMs(), TimeUnit.MILLISECONDS);
    }

    private void markDown(Throwable cause) {
        errors.increment();
        if (up) {
            up = false;
            LOG.warn("limiter store: redis {} unreachable ({}); budgets fail closed, rates held to this replica's share (1/{})",
                    settings.redactedRedisUrl(), cause.toString(), replicas);
        }
        if (probing.compareAndSet(false, true)) {
            vertx.setTimer(PROBE_MS, t -> probe());
        }
    }

    /** Is Redis back? Then the buckets used meanwhile lose their burst, the kept settlements go, and admission returns to Redis. */
    private void probe() {
        send("probe", Request.cmd(Command.PING)).compose(pong -> loadScripts()).compose(v -> debitUsedWhileDown())
                .compose(v -> heartbeatNow()).onComplete(ar -> {
                    if (ar.failed()) {
                        errors.increment();
                        vertx.setTimer(PROBE_MS, t -> probe());
                        return;
                    }
                    probing.set(false);
                    up = true;
                    LOG.info("limiter store: redis {} is back; admissions decided there again", settings.redactedRedisUrl());
                    scheduleFlush();
                });
    }

    /**
     * Redis answers again: each bucket this replica used on its own meanwhile is debited what it
     * admitted, as if all of it had come just now (at most the whole burst), so the outage forgives
     * nothing. What fails to go stays for the next try.
     */
    private Future<Void> debitUsedWhileDown() {
        if (usedWhileDown.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<String, Map<String, UsedWhileDown>> taken = new java.util.HashMap<>();
        List<Request> requests = new ArrayList<>();
        for (String tenant : new ArrayList<>(usedWhileDown.keySet())) {
            Map<String, UsedWhileDown> buckets = usedWhileDown.remove(tenant);
            if (buckets == null || buckets.isEmpty()) {
                continue;
            }
            taken.put(tenant, buckets);
            List<String> keys = new ArrayList<>(buckets.size());
            List<String> args = new ArrayList<>(buckets.size() * 2);
            buckets.forEach((key, used) -> {
                keys.add(key);
                args.add(Double.toString(used.chargedUs()));
                args.add(Double.toString(used.toleranceUs()));
            });
            requests.add(DEBIT.call(keys, args));
        }
        if (requests.isEmpty()) {
            return Future.succeededFuture();
        }
        return pipeline("debit", requests).<Void>map(r -> null).onFailure(e -> taken.forEach((tenant, buckets) ->
                buckets.forEach((key, used) -> usedWhileDown.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>())
                        .merge(key, used, UsedWhileDown::plus))));
    }

    /** One script call (for the seats), loading the scripts once if Redis answers NOSCRIPT; counted as {@code op}. */
    Future<Response> call(String op, RedisScript script, List<String> keys, List<String> args) {
        return send(op, script.call(keys, args)).recover(e -> RedisScript.isNoScript(e)
                ? loadScripts().compose(v -> send(op, script.call(keys, args))) : Future.failedFuture(e));
    }

    /** A hold of this replica (in the sorted set {@code holdsKey}) renewed until {@link #ended}. */
    void running(String holdId, String holdsKey) {
        live.put(holdId, new Renewal(holdsKey, holdId));
    }

    void ended(String holdId) {
        live.remove(holdId);
    }

    /** Redis could not be reached by a call made elsewhere (the seats). */
    void failed(Throwable cause) {
        markDown(cause);
    }

    String newHoldId() {
        return replica + "-" + Long.toString(holdIds.incrementAndGet(), 36);
    }

    String replica() {
        return replica;
    }

    LimiterSettings settings() {
        return settings;
    }

    Vertx vertx() {
        return vertx;
    }

    /** A fair queue over all of a pool's seats, shared by every replica through this store (one per pool and capacity). */
    public SeatQueue seats(String pool, dev.warden.config.PoolConfig.Capacity capacity) {
        return seatsOf(pool, capacity);
    }

    private RedisSeats seatsOf(String pool, dev.warden.config.PoolConfig.Capacity capacity) {
        return seatsByPool.compute(pool, (k, old) -> old != null && old.capacity().equals(capacity) ? old : new RedisSeats(this, pool, capacity));
    }

    private static <T> Future<T> onCaller(Context caller, Future<T> f) {
        if (caller == null) {
            return f;
        }
        Promise<T> p = Promise.promise();
        f.onComplete(ar -> {
            if (Vertx.currentContext() == caller
                    || caller instanceof io.vertx.core.internal.ContextInternal c && c.nettyEventLoop().inEventLoop()) {
                p.handle(ar); // the caller's own event loop already
            } else {
                caller.runOnContext(v -> p.handle(ar));
            }
        });
        return p.future();
    }

    private void count(String code, boolean enforced) {
        refused.computeIfAbsent(code + (enforced ? "|enforced" : "|shadow"), k -> new LongAdder()).increment();
    }

    private void roundTrip(String op) {
        roundTrips.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    @Override
    public long refusals(String code, String mode) {
        LongAdder mine = refused.get(code + "|" + mode);
        LongAdder local = fallback.refusals().get(code + "|" + mode);
        return (mine == null ? 0 : mine.sum()) + (local == null ? 0 : local.sum());
    }

    /** Round trips to Redis so far by operation ({@code admit}, {@code settle}, {@code renew}...). */
    public Map<String, LongAdder> roundTrips() {
        return roundTrips;
    }

    public boolean up() {
        return up;
    }

    public int replicas() {
        return replicas;
    }

    /** Admissions sent to Redis to decide (a round trip of {@code admit} carries one or more). */
    public long admissionsSent() {
        return admissionsSent.sum();
    }

    /** Admissions decided on this replica alone because Redis could not be reached. */
    public long fallbackAdmissions() {
        return fallbacks.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public int pendingSettlements() {
        return pending.get();
    }

    public long droppedSettlements() {
        return dropped.sum();
    }

    /** Forgets idle local buckets (those used while Redis was down) and accounts of periods long over. */
    public void sweep(long nowNanos) {
        fallback.sweep(nowNanos);
        admissions.sweep();
        long old = System.currentTimeMillis() - 40L * 86_400_000L;
        knownAccounts.removeIf(k -> Long.parseLong(k.substring(k.lastIndexOf(':') + 1)) < old);
        watched.removeIf(k -> Long.parseLong(k.substring(k.lastIndexOf(':') + 1)) < old);
        reservedSeen.keySet().removeIf(k -> !knownAccounts.contains(k) && !watched.contains(k));
    }

    /** Stops the timers, sends what is still to settle (bounded), closes the connections. */
    public Future<Void> close() {
        timers.forEach(vertx::cancelTimer);
        List<Request> requests = drain(Integer.MAX_VALUE).requests();
        Future<Void> sent = !up || requests.isEmpty() ? Future.succeededFuture()
                : redis.batch(requests).timeout(2, TimeUnit.SECONDS).<Void>mapEmpty().recover(e -> Future.succeededFuture());
        return sent.eventually(redis::close);
    }
}
