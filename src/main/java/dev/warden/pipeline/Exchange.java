package dev.warden.pipeline;

import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One request on its way through the pipeline: the inbound request, a request id, and typed
 * slots for what the stages learn (tenant, principal, route, upstream response...).
 *
 * <p>An exchange lives on one event loop; it is not thread-safe and needs not be.
 */
public final class Exchange {
    private String requestId = "-";
    private final InboundRequest request;
    private final long startNanos;
    private Object[] slots = new Object[Key.count()];
    private String verifiedTenant;
    private Usage usage = Usage.NONE;
    /** The text the model produced, as relayed (choices' content), kept only to count it if the upstream reports no usage. */
    private StringBuilder output;
    private boolean outputOverflow;
    private long firstOutputNanos;
    /** Text beyond this is not kept: such an answer is settled at its worst case. */
    public static final int MAX_OUTPUT_CHARS = 64 * 1024;
    private int responseStatus;
    private boolean aborted;
    private boolean clientGone;
    private List<String> extraHeaders;

    public Exchange(InboundRequest request, long startNanos) {
        this.request = Objects.requireNonNull(request, "request");
        this.startNanos = startNanos;
    }

    public String requestId() {
        return requestId;
    }

    /** Set once by the request-id stage, first in the list. */
    public void requestId(String id) {
        this.requestId = Objects.requireNonNull(id, "id");
    }

    public InboundRequest request() {
        return request;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The tenant the credential proved, or null before authentication succeeded. */
    public String verifiedTenant() {
        return verifiedTenant;
    }

    public void verifiedTenant(String tenantId) {
        this.verifiedTenant = tenantId;
    }

    public Usage usage() {
        return usage;
    }

    public void usage(Usage usage) {
        this.usage = Objects.requireNonNull(usage, "usage");
    }

    /** Adds text the model produced (a stream's delta, an answer's content), up to {@link #MAX_OUTPUT_CHARS}. */
    public void appendOutput(CharSequence text) {
        if (text.isEmpty()) {
            return;
        }
        if (firstOutputNanos == 0) {
            firstOutputNanos = System.nanoTime();
        }
        if (outputOverflow) {
            return;
        }
        if (output == null) {
            output = new StringBuilder(Math.min(4096, MAX_OUTPUT_CHARS));
        }
        if (output.length() + text.length() > MAX_OUTPUT_CHARS) {
            outputOverflow = true;
            output = null;
            return;
        }
        output.append(text);
    }

    /** When the model's first text was seen ({@link System#nanoTime()}), 0 if none was: a stream's time to first token. */
    public long firstOutputNanos() {
        return firstOutputNanos;
    }

    /** The text the model produced, or null if none was seen or it was too long to keep. */
    public String outputText() {
        return outputOverflow || output == null ? null : output.toString();
    }

    /** The status sent to the client, 0 until the response head is written. */
    public int responseStatus() {
        return responseStatus;
    }

    public void responseStatus(int status) {
        this.responseStatus = status;
    }

    /** A header every answer to this exchange carries (admission's {@code RateLimit}, say), success or refusal. */
    public void addResponseHeader(String name, String value) {
        if (extraHeaders == null) {
            extraHeaders = new ArrayList<>(4);
        }
        extraHeaders.add(name);
        extraHeaders.add(value);
    }

    /** Name, value, name, value...; empty when none. */
    public List<String> responseHeaders() {
        return extraHeaders == null ? List.of() : extraHeaders;
    }

    public boolean aborted() {
        return aborted;
    }

    public void markAborted() {
        this.aborted = true;
    }

    /** Whether the client abandoned the request (reset its stream, closed its connection, or was cut for sending too slowly). */
    public boolean clientGone() {
        return clientGone;
    }

    /** Whether a failure to read the request says its client left (a reset stream, a closed connection), not that it sent garbage. */
    public boolean clientLeft(Throwable failure) {
        return failure instanceof StreamResetException || failure instanceof HttpClosedException
                || request.http() != null && request.http().response().closed();
    }

    /** The client abandoned the request: aborted, and nothing more is to be written to it. */
    public void markClientGone() {
        this.clientGone = true;
        this.aborted = true;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        int i = key.index();
        return i < slots.length ? (T) slots[i] : null;
    }

    /** The value, which a stage earlier in the list must have set. */
    public <T> T require(Key<T> key) {
        T value = get(key);
        if (value == null) {
            throw new IllegalStateException("exchange has no " + key + ": stage order broken");
        }
        return value;
    }

    public <T> void put(Key<T> key, T value) {
        int i = key.index();
        if (i >= slots.length) {
            slots = Arrays.copyOf(slots, Key.count()); // a key class loaded after this exchange began
        }
        slots[i] = value;
    }

    @Override
    public String toString() {
        return "Exchange[" + requestId + " " + request.operation() + "]";
    }
}
