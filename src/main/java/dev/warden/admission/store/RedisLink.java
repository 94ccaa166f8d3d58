package dev.warden.admission.store;

import dev.warden.config.LimiterSettings;
import dev.warden.redis.RedisClients;
import dev.warden.redis.RedisConnections;
import dev.warden.redis.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter store's line to Redis: a pipelined connection per event loop, the scripts (loaded
 * again after a {@code NOSCRIPT}), whether Redis is up, and this replica's heartbeat, which tells
 * how many replicas are alive (each one's share while Redis is away). A call that fails or is not
 * answered in time marks Redis down; it is then probed every {@value #PROBE_MS} ms, and when it
 * answers, what must reach it before admissions do ({@link #onReturn}) goes first.
 */
final class RedisLink {
    /** The store's logger: operators follow one name for the whole limiter store. */
    private static final Logger LOG = LoggerFactory.getLogger(RedisLimiterStore.class);
    static final long PROBE_MS = 500;
    static final long HEARTBEAT_MS = 1000;
    /**
     * How long a higher count of replicas is believed over a lower one: a replica whose own
     * heartbeats time out drops out of the count while it still admits, and the others' shares
     * must not grow for that (measured: 113 % of the limit over a minute of flapping).
     */
    static final long REPLICAS_MEMORY_MS = 30_000;

    private final Vertx vertx;
    private final LimiterSettings settings;
    private final RedisConnections redis;
    private final String replica;
    private final AtomicLong holdIds = new AtomicLong();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final ConcurrentHashMap<String, LongAdder> roundTrips = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    /** Outages so far: each time Redis went from answering to not. */
    private final AtomicLong outages = new AtomicLong();
    private volatile boolean up;
    /** When the current outage began (System.nanoTime), while one lasts. */
    private volatile long downSinceNanos;
    private volatile int replicas = 1;
    private volatile long replicasSeenMs;
    private volatile Supplier<Future<Void>> beforeReturn = Future::succeededFuture;
    private volatile Runnable afterReturn = () -> { };

    RedisLink(Vertx vertx, LimiterSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        this.replica = HexFormat.of().formatHex(id);
        this.redis = new RedisConnections(Redis.createClient(vertx, RedisClients.options(settings.redis())
                .setMaxPoolSize(64).setMaxPoolWaiting(4096).setMaxWaitingHandlers(16_384)), settings.redis().cluster());
    }

    /**
     * When Redis answers again after an outage: {@code before} runs first (a failure keeps it
     * down and probing), then admissions go back to Redis and {@code after} runs.
     */
    void onReturn(Supplier<Future<Void>> before, Runnable after) {
        this.beforeReturn = before;
        this.afterReturn = after;
    }

    /** Loads the scripts and sends the first heartbeat; a Redis that does not answer leaves the link down and probing. */
    Future<Void> connect() {
        return loadScripts().compose(v -> heartbeatNow()).transform(ar -> {
            if (ar.succeeded()) {
                up = true;
                LOG.info("limiter store: redis {} (replica {}, {} replicas alive)", settings.redactedRedisUrl(), replica, replicas);
            } else {
                LOG.warn("limiter store: redis {} unreachable at start ({}); deciding on this replica's share until it answers",
                        settings.redactedRedisUrl(), ar.cause().toString());
                markDown(ar.cause());
            }
            return Future.succeededFuture();
        });
    }

    /** One command, answered within the store's timeout; counted as {@code op}. */
    Future<Response> send(String op, Request request) {
        roundTrip(op);
        return redis.send(request).timeout(settings.timeoutMs(), TimeUnit.MILLISECONDS);
    }

    /** Commands in one round trip that a request waits on, answered within the store's timeout; counted as {@code op}. */
    Future<List<Response>> batch(String op, List<Request> requests) {
        roundTrip(op);
        return redis.batch(requests).timeout(settings.timeoutMs(), TimeUnit.MILLISECONDS);
    }

    /** Several commands in one round trip (counted as {@code op}), with a generous timeout: nobody waits on them. */
    Future<List<Response>> pipeline(String op, List<Request> requests) {
        roundTrip(op);
        return redis.batch(requests).timeout(settings.timeoutMs() * 4L, TimeUnit.MILLISECONDS);
    }

    /** One script call, loading the scripts once if Redis answers NOSCRIPT; counted as {@code op}. */
    Future<Response> call(String op, RedisScript script, List<String> keys, List<String> args) {
        return send(op, script.call(keys, args)).recover(e -> RedisScript.isNoScript(e)
                ? loadScripts().compose(v -> send(op, script.call(keys, args))) : Future.failedFuture(e));
    }

    Future<Void> loadScripts() {
        return pipeline("load", LimiterScripts.ALL.stream().map(RedisScript::load).toList()).mapEmpty();
    }

    /** The periodic heartbeat (while Redis is up). */
    void heartbeat() {
        if (up) {
            heartbeatNow().onFailure(this::markDown);
        }
    }

    /** Tells Redis this replica is alive; learns how many are (each one's share when Redis goes away). */
    private Future<Void> heartbeatNow() {
        return send("heartbeat", LimiterScripts.HEARTBEAT.call(List.of("{" + settings.namespace() + "}:replicas"),
                List.of(replica, Long.toString(HEARTBEAT_MS * 3)))).map(r -> {
                    int seen = Math.max(1, r.toInteger());
                    long now = System.currentTimeMillis();
                    if (seen >= replicas || now - replicasSeenMs > REPLICAS_MEMORY_MS) {
                        replicas = seen;
                        replicasSeenMs = now;
                    }
                    return null;
                });
    }

    /** Redis failed or did not answer: admissions are decided on this replica until a probe finds it back. */
    void markDown(Throwable cause) {
        errors.increment();
        if (up) {
            downSinceNanos = System.nanoTime();
            up = false;
            outages.incrementAndGet();
            LOG.warn("limiter store: redis {} unreachable ({}); budgets fail closed, rates held to this replica's share (1/{})",
                    settings.redactedRedisUrl(), cause.toString(), replicas);
        }
        if (probing.compareAndSet(false, true)) {
            vertx.setTimer(PROBE_MS, t -> probe());
        }
    }

    /** When the current (or last) outage began (System.nanoTime). */
    long downSinceNanos() {
        return downSinceNanos;
    }

    /** How long the current outage has lasted (0 while Redis is up). */
    long downForNanos() {
        return up ? 0 : System.nanoTime() - downSinceNanos;
    }

    /** The number of the current (or last) outage. */
    long outages() {
        return outages.get();
    }

    /** Is Redis back? Then what must reach it first goes, and admission returns to Redis. */
    private void probe() {
        send("probe", Request.cmd(Command.PING)).compose(pong -> loadScripts()).compose(v -> beforeReturn.get())
                .compose(v -> heartbeatNow()).onComplete(ar -> {
                    if (ar.failed()) {
                        errors.increment();
                        vertx.setTimer(PROBE_MS, t -> probe());
                        return;
                    }
                    probing.set(false);
                    up = true;
                    LOG.info("limiter store: redis {} is back; admissions decided there again", settings.redactedRedisUrl());
                    afterReturn.run();
                });
    }

    String newHoldId() {
        return replica + "-" + Long.toString(holdIds.incrementAndGet(), 36);
    }

    private void roundTrip(String op) {
        roundTrips.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    boolean up() {
        return up;
    }

    int replicas() {
        return replicas;
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

    Map<String, LongAdder> roundTrips() {
        return roundTrips;
    }

    long errors() {
        return errors.sum();
    }

    /** Sends the last writes (bounded, if Redis is up) and closes the connections. */
    Future<Void> close(List<Request> lastWrites) {
        Future<Void> sent = !up || lastWrites.isEmpty() ? Future.succeededFuture()
                : redis.batch(lastWrites).timeout(2, TimeUnit.SECONDS).<Void>mapEmpty().recover(e -> Future.succeededFuture());
        return sent.eventually(redis::close);
    }
}
