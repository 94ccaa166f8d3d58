package dev.warden.admission.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Coalesces calls of one lane (one tenant's admissions on one event loop): an item goes at once
 * when no call of its lane is in flight; items that arrive while one is wait and go together, at
 * most {@code max} to a call, as soon as it answers. An idle tenant's admission therefore waits
 * for nothing, and a busy one's wait for at most the round trip they would have queued behind in
 * Redis anyway, while Redis and this replica pay one call for many. A call answers with one
 * element per item, in order; a failed call fails its items and those waiting behind it.
 */
final class CallCoalescer<T> {
    private final int max;
    private final Function<List<T>, Future<Response>> call;
    private final ConcurrentHashMap<Object, Lane<T>> lanes = new ConcurrentHashMap<>();

    private record Waiting<T>(T item, Promise<Response> answer) {
    }

    /** One lane's calls in flight and the items waiting for the next; guarded by itself. */
    private static final class Lane<T> {
        int inFlight;
        boolean retired;
        final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();

        List<Waiting<T>> take(int max) {
            List<Waiting<T>> out = new ArrayList<>(Math.min(max, waiting.size()));
            while (out.size() < max && !waiting.isEmpty()) {
                out.add(waiting.poll());
            }
            return out;
        }
    }

    CallCoalescer(int max, Function<List<T>, Future<Response>> call) {
        this.max = max;
        this.call = call;
    }

    /** {@code item}'s own element of the answer of the call that carries it. */
    Future<Response> submit(Object lane, T item) {
        Waiting<T> w = new Waiting<>(item, Promise.promise());
        while (true) {
            Lane<T> l = lanes.computeIfAbsent(lane, k -> new Lane<>());
            List<Waiting<T>> go = null;
            synchronized (l) {
                if (l.retired) {
                    continue; // swept just now: take a fresh lane
                }
                if (l.inFlight == 0) {
                    l.inFlight = 1;
                    go = List.of(w);
                } else {
                    l.waiting.add(w);
                    if (l.waiting.size() >= max) { // a full call need not wait
                        l.inFlight++;
                        go = l.take(max);
                    }
                }
            }
            if (go != null) {
                send(l, go);
            }
            return w.answer().future();
        }
    }

    private void send(Lane<T> lane, List<Waiting<T>> batch) {
        Future<Response> answer;
        try {
            answer = call.apply(batch.stream().map(Waiting::item).toList());
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        answer.onComplete(ar -> {
            List<Waiting<T>> next = null;
            List<Waiting<T>> failed = List.of();
            synchronized (lane) {
                lane.inFlight--;
                if (ar.failed()) {
                    failed = lane.take(Integer.MAX_VALUE); // the store is going down: nobody waits for another timeout
                } else if (lane.inFlight == 0 && !lane.waiting.isEmpty()) {
                    lane.inFlight = 1;
                    next = lane.take(max);
                }
            }
            if (next != null) {
                send(lane, next);
            }
            for (int i = 0; i < batch.size(); i++) {
                Promise<Response> p = batch.get(i).answer();
                if (ar.failed()) {
                    p.fail(ar.cause());
                } else if (ar.result() == null || ar.result().size() <= i) {
                    p.fail(new IllegalStateException("the limiter store answered " + (ar.result() == null ? 0 : ar.result().size())
                            + " of " + batch.size() + " admissions"));
                } else {
                    p.complete(ar.result().get(i));
                }
            }
            failed.forEach(w -> w.answer().fail(ar.cause()));
        });
    }

    /** Forgets lanes with nothing in flight or waiting (tenants gone quiet). */
    void sweep() {
        lanes.forEach((key, lane) -> {
            synchronized (lane) {
                if (lane.inFlight == 0 && lane.waiting.isEmpty()) {
                    lane.retired = true;
                    lanes.remove(key, lane);
                }
            }
        });
    }
}
