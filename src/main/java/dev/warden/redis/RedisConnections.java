package dev.warden.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pipelined connection to Redis per event loop: every command an event loop sends goes on
 * its own connection without waiting for the previous answer, and the answers come back on that
 * loop (no hop between threads). A pooled client would hold a connection per command in flight
 * and cap the commands in flight at its pool size. A connection that fails or closes is dropped;
 * the next command opens a new one. On a Redis Cluster the connection is the client's cluster
 * connection: it follows MOVED and ASK itself; a Sentinel failover closes the old master's
 * connections, and the next one is opened to the master Sentinel names then.
 */
public final class RedisConnections {
    private static final Object NO_CONTEXT = new Object();
    private final Redis client;
    private final boolean cluster;
    private final ConcurrentHashMap<Object, Future<RedisConnection>> byContext = new ConcurrentHashMap<>();

    /** {@code cluster}: the client is a Redis Cluster's (a batch's commands may go to several nodes). */
    public RedisConnections(Redis client, boolean cluster) {
        this.client = client;
        this.cluster = cluster;
    }

    public Future<Response> send(Request request) {
        return connection().compose(c -> c.send(request));
    }

    /**
     * The requests in one round trip. On a cluster each goes to its own slot's master (a cluster
     * pipeline may only hold one slot's keys), all sent at once, the answers in order.
     */
    public Future<List<Response>> batch(List<Request> requests) {
        if (!cluster) {
            return connection().compose(c -> c.batch(requests));
        }
        return connection().compose(c -> {
            List<Future<Response>> each = new ArrayList<>(requests.size());
            for (Request r : requests) {
                each.add(c.send(r));
            }
            return Future.all(each).map(all -> {
                List<Response> answers = new ArrayList<>(each.size());
                each.forEach(f -> answers.add(f.result()));
                return answers;
            });
        });
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
