package dev.warden.sim;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** Streams one answer as server-sent events at the configured pace, honouring the fault knobs. */
final class SimStreamer {
    private final Vertx vertx;
    private final HttpServerResponse res;
    private final SimOptions options;
    private final Faults faults;
    private final boolean chat;
    private final String id;
    private final String model;
    private final long created;
    private final String content;
    private final int prompt;
    private final int completion;
    private final boolean usage;
    private final String[] pieces;
    private int sent;

    SimStreamer(Vertx vertx, HttpServerResponse res, SimOptions options, Faults faults, boolean chat, String id,
                String model, long created, String content, int prompt, int completion, boolean usage) {
        this.vertx = vertx;
        this.res = res;
        this.options = options;
        this.faults = faults;
        this.chat = chat;
        this.id = id;
        this.model = model;
        this.created = created;
        this.content = content;
        this.prompt = prompt;
        this.completion = completion;
        this.usage = usage;
        this.pieces = model.equals("echo") ? new String[] {content} : split(content);
    }

    private static String[] split(String text) {
        return text.split("(?<= )");
    }

    void start() {
        res.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        if (faults.sse() != null) {
            hostile();
            return;
        }
        int pace = faults.tokensPerSecond() > 0 ? faults.tokensPerSecond() : options.tokensPerSecond();
        long perToken = pace == 0 ? 0 : 1000L / pace;
        if (options.ttftMs() == 0 && perToken == 0 && !faults.stall() && faults.resetAfter() < 0) {
            Buffer all = Buffer.buffer(pieces.length * 200);
            while (sent < pieces.length) {
                all.appendString(event(padded(SimReplies.chunk(chat, id, model, created, pieces[sent++], null)).toString()));
            }
            res.end(all.appendString(tail()));
            return;
        }
        vertx.setTimer(Math.max(1, options.ttftMs()), t -> next(Math.max(1, perToken)));
    }

    private void next(long perToken) {
        if (res.closed()) {
            return;
        }
        if (faults.resetAfter() >= 0 && sent >= faults.resetAfter()) {
            res.reset();
            return;
        }
        if (faults.stall() && sent >= 2) {
            return; // silence: the gateway's idle timeout must fire
        }
        if (sent < pieces.length) {
            res.write(event(padded(SimReplies.chunk(chat, id, model, created, pieces[sent++], null)).toString()));
            vertx.setTimer(perToken, t -> next(perToken));
            return;
        }
        res.end(tail());
    }

    private String tail() {
        StringBuilder sb = new StringBuilder(event(SimReplies.chunk(chat, id, model, created, null, "stop").toString()));
        if (usage) {
            sb.append(event(SimReplies.usageChunk(chat, id, model, created, prompt, completion).toString()));
        }
        return sb.append("data: [DONE]\n\n").toString();
    }

    private void hostile() {
        String delta = SimReplies.chunk(chat, id, model, created, "a\n\ndata: {\"forged\":true}", null).toString();
        switch (faults.sse()) {
            case "escaped" -> res.write(event(delta)); // newlines JSON-escaped inside a string: one event
            case "raw-cr" -> res.write("data: {\"id\":\"" + id + "\",\"choices\":[{\"delta\":{\"content\":\"x\revent: error\rdata: {}\"}}]}\n\n");
            case "bad-json" -> res.write("data: {not json}\n\n");
            default -> { }
        }
        res.end(tail());
    }

    /** A chunk with the {@code pad} fault's bytes in a field of their own. */
    private com.fasterxml.jackson.databind.node.ObjectNode padded(com.fasterxml.jackson.databind.node.ObjectNode chunk) {
        if (faults.pad() > 0) {
            chunk.put("x_pad", "p".repeat(faults.pad()));
        }
        return chunk;
    }

    private static String event(String json) {
        return "data: " + json + "\n\n";
    }
}
