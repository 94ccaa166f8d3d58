package dev.warden.proxy;

import dev.warden.config.FieldMask;
import dev.warden.exchange.OutputCheck;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays a non-streaming answer chunk by chunk as it arrives (each chunk one step late, so a
 * one-chunk answer costs one write with the end), keeping a copy (up to a cap) to read
 * its {@code usage} at the end. An answer larger than the cap still reaches the client; only its
 * usage is then unknown (counted as zero and logged). When the tenant has output guardrails, the
 * whole answer is held instead and its text checked before any of it is sent: a block answers 400
 * {@code guardrail_blocked} (what was produced is billed), and an answer over the cap, which could
 * not be checked, is refused the same way ({@code output.unchecked}). So is an answer with fields
 * the caller's role may not see: held, and sent without them.
 */
final class JsonRelay extends Relay {
    private final int maxCopyBytes;
    private final boolean readUsage;
    private final OutputCheck check;
    /** The fields the caller does not see (null: none). */
    private final FieldMask hidden;
    /** Whether the answer is held whole until it ends (to be checked or filtered) instead of passed on as it comes. */
    private final boolean hold;
    private Buffer copy;
    private boolean overCap;
    /** The latest chunk, held back one step so that the last one goes out with the end: one write. */
    private Buffer pending;

    JsonRelay(Exchange exchange, HttpClientResponse upstream, HttpServerResponse client, long idleMs, long maxStreamMs,
              int maxCopyBytes, boolean readUsage) {
        super(exchange, upstream, client, idleMs, maxStreamMs);
        this.maxCopyBytes = maxCopyBytes;
        this.readUsage = readUsage;
        this.check = readUsage ? exchange.get(RequestContext.OUTPUT_CHECK) : null;
        this.hidden = readUsage ? exchange.get(RequestContext.ANSWER_FIELDS) : null;
        this.hold = check != null || hidden != null;
    }

    @Override
    protected void onChunk(Buffer chunk) {
        if (readUsage && !overCap) {
            if (copy == null) {
                // a chunk passed on is never written to after it is handed over: no copy needed; one held is grown
                copy = hold ? Buffer.buffer(chunk.length() * 2).appendBuffer(chunk) : chunk;
            } else if (copy.length() + chunk.length() <= maxCopyBytes) {
                copy = copy == pending ? Buffer.buffer(copy.length() * 2).appendBuffer(copy) : copy;
                copy.appendBuffer(chunk);
            } else {
                overCap = true;
                copy = null;
            }
        }
        if (hold) {
            return; // held whole until it is checked and filtered
        }
        if (pending != null) {
            write(pending);
        }
        pending = chunk;
    }

    @Override
    protected Buffer onEnd() {
        if (hold && overCap) { // too large to check or filter: not passed on (closed)
            return refuse(OutputRefusal.unchecked(), false);
        }
        if (copy == null) {
            return pending;
        }
        // An answer that is not JSON is relayed as it came; its usage is then unknown.
        UsageReader.Scan scan = UsageReader.scan(copy.getBytes());
        if (scan.responseId() != null) {
            exchange.put(RequestContext.RESPONSE_OBJECT_ID, scan.responseId());
        }
        answerNames(scan);
        if (scan.usage() != null) {
            exchange.usage(scan.usage());
        } else if (scan.text() != null) {
            exchange.appendOutput(scan.text());
        }
        if (hold) {
            String rule = check == null || scan.text() == null ? null : check.feed(scan.text());
            if (rule != null) { // produced, so billed; never passed on, never cached
                return refuse(OutputRefusal.blocked(rule), false);
            }
            Buffer out = hidden == null ? copy : AnswerFields.strip(copy, hidden);
            if (out == null) { // not JSON, so its hidden fields cannot be found: not passed on (closed)
                return refuse(GatewayError.of(ErrorCode.UPSTREAM_PROTOCOL_ERROR, "The model server's answer could not be read.",
                        "upstream_answer_unreadable"), false);
            }
            exchange.put(RequestContext.RESPONSE_BODY, out);
            return whole(out);
        }
        exchange.put(RequestContext.RESPONSE_BODY, copy); // for payload logging (opt-in) and the response cache
        return pending;
    }

    @Override
    protected boolean onAbort(String reason) {
        return false; // mid-body there is no way to tell a JSON client: its connection is cut
    }
}
