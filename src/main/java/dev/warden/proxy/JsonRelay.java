package dev.warden.proxy;

import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays a non-streaming answer chunk by chunk as it arrives (each chunk one step late, so a
 * one-chunk answer costs one write with the end), keeping a copy (up to a cap) to read
 * its {@code usage} at the end. An answer larger than the cap still reaches the client; only its
 * usage is then unknown (counted as zero and logged).
 */
final class JsonRelay extends Relay {
    private final int maxCopyBytes;
    private final boolean readUsage;
    private Buffer copy;
    private boolean overCap;
    /** The latest chunk, held back one step so that the last one goes out with the end: one write. */
    private Buffer pending;

    JsonRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
              int maxCopyBytes, boolean readUsage) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.maxCopyBytes = maxCopyBytes;
        this.readUsage = readUsage;
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (readUsage && !overCap) {
            if (copy == null) {
                copy = chunk; // chunks are never written to after they are handed over: no copy needed
            } else if (copy.length() + chunk.length() <= maxCopyBytes) {
                copy = copy == pending ? Buffer.buffer(copy.length() * 2).appendBuffer(copy) : copy;
                copy.appendBuffer(chunk);
            } else {
                overCap = true;
                copy = null;
            }
        }
        if (pending != null) {
            client.write(pending);
        }
        pending = chunk;
    }

    @Override
    protected Buffer onEnd() {
        if (copy == null) {
            return pending;
        }
        // An answer that is not JSON is relayed as it came; its usage is then unknown.
        UsageReader.Scan scan = UsageReader.scan(copy.getBytes());
        if (scan.usage() != null) {
            exchange.usage(scan.usage());
        } else if (scan.text() != null) {
            exchange.appendOutput(scan.text());
        }
        exchange.put(RequestContext.RESPONSE_BODY, copy); // for payload logging (opt-in) and the response cache
        return pending;
    }

    @Override
    protected boolean onAbort(String reason) {
        return false; // mid-body there is no way to tell a JSON client: its connection is cut
    }
}
