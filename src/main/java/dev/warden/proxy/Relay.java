package dev.warden.proxy;

import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Usage;
import dev.warden.problem.ClientErrors;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.TimeoutException;

/**
 * Streams an upstream body to the client with back-pressure, an idle timeout between chunks (and,
 * while the upstream waits for a slow client, a write timeout of the same length), a
 * cap on the whole exchange's duration (the tier's {@code maxStreamSeconds}, checked per chunk: a
 * silent upstream meets the idle timeout first), and an abort when either side goes away.
 * Credentials are checked once, at admission: a stream outlives its token, never its cap.
 * Subclasses decide what each chunk becomes.
 */
abstract class Relay {
    protected final Exchange exchange;
    protected final HttpClientResponse upstream;
    protected final HttpServerResponse client;
    private final long idleMs;
    private final long endByNanos;
    private final Promise<Void> finished = Promise.promise();
    private final Deadlines.Deadline idle;
    private boolean done;
    static final int MAX_WRITE = 16 * 1024;

    Relay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs) {
        this.idle = exchange.require(StreamKeys.DEADLINE);
        this.endByNanos = exchange.startNanos() + maxStreamMs * 1_000_000L;
        this.exchange = exchange;
        this.upstream = upstream;
        this.client = client;
        this.idleMs = idleMs;
    }

    /** Starts relaying; the future completes when the client's response has ended (fails if aborted). */
    final Future<Void> start() {
        client.closeHandler(v -> abort(null, "client_closed"));
        client.exceptionHandler(e -> abort(null, "client_error"));
        upstream.exceptionHandler(e -> abort(e, e instanceof TimeoutException ? "upstream_idle_timeout" : "upstream_reset"));
        upstream.handler(chunk -> {
            if (done) {
                return;
            }
            if (System.nanoTime() - endByNanos > 0) {
                abort(null, "stream_max_duration");
                return;
            }
            idle.extend(idleMs);
            onChunk(chunk);
            if (!done && client.writeQueueFull()) {
                // the client reads slower than the model writes: the upstream waits for it, and the
                // deadline now runs against the client (a reader of a byte a minute must not hold a
                // seat forever, nor count as its upstream's failure)
                upstream.pause();
                idle.arm(idleMs, () -> abort(null, "client_write_timeout"));
                client.drainHandler(v -> {
                    idle.arm(idleMs, () -> abort(new TimeoutException("idle"), "upstream_idle_timeout"));
                    upstream.resume();
                });
            }
        });
        upstream.endHandler(v -> {
            if (done) {
                return;
            }
            idle.cancel();
            Buffer last = onEnd();
            if (done) {
                return; // onEnd found the answer must not end normally, and aborted it
            }
            done = true;
            (last == null ? client.end() : client.end(last)).onComplete(ar -> finish(ar.succeeded()));
        });
        idle.arm(idleMs, () -> abort(new TimeoutException("idle"), "upstream_idle_timeout"));
        upstream.resume();
        return finished.future();
    }

    protected abstract void onChunk(Buffer chunk);

    /**
     * Writes to the client in pieces of at most {@link #MAX_WRITE} bytes. Vert.x bounds a
     * connection's write queue in messages, not bytes (full at 16): a 1 MiB event written whole let
     * a client that stopped reading make the gateway hold ~16 MiB before back-pressure reached the
     * upstream; in pieces, what waits is the queue's 16 pieces beside the event being written.
     */
    protected final void write(Buffer out) {
        int length = out.length();
        if (length <= MAX_WRITE) {
            client.write(out);
            return;
        }
        for (int from = 0; from < length; from += MAX_WRITE) {
            client.write(out.slice(from, Math.min(length, from + MAX_WRITE)));
        }
    }

    /** A held answer (nothing of it sent yet) goes out whole, with its own length; returns it, to be written with the end. */
    protected final Buffer whole(Buffer body) {
        client.setChunked(false);
        client.headers().remove("Transfer-Encoding");
        client.headers().set("Content-Length", Integer.toString(body.length()));
        return body;
    }

    /**
     * Turns a held answer (nothing of it sent yet) into a refusal in the client's shape: the status,
     * type and length are the error's; returns its body, to be written with the end.
     */
    protected final Buffer refuse(GatewayError error, boolean anthropicClient) {
        Buffer body = Buffer.buffer(ClientErrors.body(error, anthropicClient));
        exchange.responseStatus(error.status());
        client.setChunked(false);
        client.setStatusCode(error.status()).headers().remove("Transfer-Encoding");
        client.headers().set("Content-Type", ClientErrors.contentType(anthropicClient))
                .set("Content-Length", Integer.toString(body.length()));
        return body;
    }

    /** The upstream ended normally: returns what is still to be written with the end, or null. */
    protected abstract Buffer onEnd();

    /** The model the answer names (kept once) and why it stopped, for the trace. */
    protected final void answerNames(UsageReader.Scan scan) {
        answerNames(scan.model(), scan.finishReason());
    }

    /** The same, from a translator or a translated answer (either may be null). */
    protected final void answerNames(String model, String finishReason) {
        if (model != null && exchange.get(RequestContext.RESPONSE_MODEL) == null) {
            exchange.put(RequestContext.RESPONSE_MODEL, model);
        }
        if (finishReason != null) {
            exchange.put(RequestContext.FINISH_REASON, finishReason);
        }
    }

    /**
     * The stream broke (upstream reset, idle timeout, invalid upstream data) while the client is
     * still there. Returns true if the subclass told the client (an SSE error event) and the
     * response may end normally; false to cut the client's connection.
     */
    protected abstract boolean onAbort(String reason);

    protected final void abort(Throwable cause, String reason) {
        if (done) {
            return;
        }
        done = true;
        idle.cancel();
        if (reason.startsWith("client_")) {
            exchange.markClientGone();
        } else {
            exchange.markAborted();
        }
        exchange.put(StreamKeys.ABORT_REASON, reason);
        boolean graceful = !reason.startsWith("client_") && !client.ended() && onAbort(reason);
        upstream.request().reset();
        if (graceful) {
            client.end().onComplete(ar -> finish(false));
        } else {
            client.reset();
            finish(false);
        }
    }

    /**
     * An answer (or the part of it relayed before it ended) that reported no usage: its output is
     * counted from the text relayed, in the model's encoding, beside the prompt admission counted;
     * the ledger and the settlement then charge what was really produced.
     */
    private void countUnreportedOutput() {
        var counter = exchange.get(RequestContext.OUTPUT_COUNTER);
        var cost = exchange.get(RequestContext.COST);
        String text = exchange.outputText();
        if (exchange.usage().equals(Usage.NONE) && counter != null && cost != null && text != null) {
            var prompt = exchange.get(RequestContext.PROMPT_COUNT); // admission's input was a bound: the count, now
            exchange.usage(new Usage(prompt == null ? cost.inputTokens() : prompt.getAsLong(), counter.applyAsLong(text)));
            exchange.put(RequestContext.USAGE_COUNTED, Boolean.TRUE);
        }
    }

    private void finish(boolean ok) {
        countUnreportedOutput();
        if (ok) {
            finished.tryComplete();
        } else {
            finished.tryFail("relay aborted");
        }
    }
}
