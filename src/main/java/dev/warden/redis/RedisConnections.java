package dev.warden.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pipelined connection to Redis per event loop: every command an event loop sends goes on
 * its own connection without waiting for the previous answer, and the answers come back on that
 * loop (no hop between threads). A pooled client would hold a connection per command in flight
 * and cap the commands in flight at its pool size. A connection that fails or closes is dropped;
 * the next command opens a new one.
 */
public final class RedisConnections {
    private static final Object NO_CONTEXT = new Object();
    private final Redis client;
    private final ConcurrentHashMap<Object, Future<RedisConnection>> byContext = new ConcurrentHashMap<>();

    public RedisConnections(Redis client) {
        this.client = client;
    }

    public Future<Response> send(Request request) {
        return connection().compose(c -> c.send(request));
    }

    public Future<List<Response>> batch(List<Request> requests) {
        return connection().compose(c -> c.batch(requests));
    }

    private Future<RedisConnection> connection() {
        Context context = Vertx.currentContext();
        // by event loop, not by context: a server request runs on a context of its own (a duplicate of its loop's)
        Object key = context instanceof ContextInternal internal ? internal.nettyEventLoop() : NO_CONTEXT;
        Future<RedisConnection> existing = byContext.get(key);
        if (existing != null && !existing.failed()) {
            return existing;
        }
        Future<RedisConnection> opened = client.connect();
        Future<RedisConnection> mine = byContext.merge(key, opened, (old, fresh) -> old.failed() ? fresh : old);
        if (mine == opened) {
            opened.onSuccess(c -> {
                c.exceptionHandler(e -> byContext.remove(key, opened));
                c.endHandler(v -> byContext.remove(key, opened));
            }).onFailure(e -> byContext.remove(key, opened));
        } else {
            opened.onSuccess(RedisConnection::close); // another command of this loop opened one first
        }
        return mine;
    }

    public Future<Void> close() {
        byContext.values().forEach(f -> f.onSuccess(RedisConnection::close));
        byContext.clear();
        return client.close();
    }
}
