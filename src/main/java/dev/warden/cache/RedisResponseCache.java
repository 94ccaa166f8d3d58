package dev.warden.cache;

import dev.warden.config.CacheSettings;
import dev.warden.config.CacheStoreSettings;
import dev.warden.redis.RedisClients;
import dev.warden.redis.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cached answers in Redis, shared by every replica. A tenant's entries live under
 * {@code {namespace:tenant}:cache:} (one Cluster slot per tenant) with the entry's TTL; a script
 * ({@code cache/put.lua}) keeps each tenant within its byte limit, the entries nearest expiry
 * going first. Redis unreachable or slow (100 ms): a lookup is a miss and a store is skipped,
 * counted in {@link #errors()}: the cache is an optimization, never a reason to refuse.
 */
public final class RedisResponseCache implements ResponseCache {
    private static final Logger LOG = LoggerFactory.getLogger(RedisResponseCache.class);
    private static final long TIMEOUT_MS = 100;
    private static final RedisScript PUT = RedisScript.at("/cache/put.lua");

    private final Redis redis;
    private final String namespace;
    private final LongAdder errors = new LongAdder();

    public RedisResponseCache(Vertx vertx, CacheStoreSettings settings) {
        this.namespace = settings.namespace();
        this.redis = Redis.createClient(vertx, RedisClients.options(settings.target()).setMaxPoolSize(16).setMaxPoolWaiting(4096));
        LOG.info("response cache: redis {}", settings.redactedRedisUrl());
    }

    private String prefix(String tenant) {
        return "{" + namespace + ":" + tenant + "}:cache:";
    }

    @Override
    public Future<CachedAnswer> get(String tenant, String key, CacheSettings settings) {
        return redis.send(Request.cmd(Command.GET).arg(prefix(tenant) + key))
                .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .transform(ar -> {
                    if (ar.failed()) {
                        failed(ar.cause());
                        return Future.succeededFuture(null);
                    }
                    return Future.succeededFuture(ar.result() == null ? null : CachedAnswer.decode(ar.result().toBytes()));
                });
    }

    @Override
    public void put(String tenant, String key, CachedAnswer answer, CacheSettings settings) {
        String p = prefix(tenant);
        Buffer value = Buffer.buffer(answer.encode());
        // By its SHA-1; a Redis that does not know the script yet (fresh, restarted, flushed) gets
        // it whole once, which also makes it known for the next store.
        Function<Request, Request> withArgs = r -> r.arg(3).arg(p + key).arg(p + "index").arg(p + "bytes")
                .arg(value).arg(settings.ttlSeconds() * 1000L).arg(answer.weight()).arg(settings.maxBytes());
        redis.send(withArgs.apply(Request.cmd(Command.EVALSHA).arg(PUT.sha())))
                .recover(e -> RedisScript.isNoScript(e)
                        ? redis.send(withArgs.apply(Request.cmd(Command.EVAL).arg(PUT.source()))) : Future.failedFuture(e))
                .timeout(TIMEOUT_MS * 5, TimeUnit.MILLISECONDS)
                .onFailure(this::failed);
    }

    private void failed(Throwable cause) {
        errors.increment();
        LOG.debug("response cache: redis failed: {}", cause.toString());
    }

    /** Lookups and stores that failed (each a miss or a skipped store). */
    public long errors() {
        return errors.sum();
    }

    @Override
    public Future<Void> close() {
        redis.close();
        return Future.succeededFuture();
    }
}
