package dev.warden.proxy;

import dev.warden.pipeline.Key;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;

/** Exchange keys private to forwarding and responding. */
final class StreamKeys {
    private StreamKeys() {
    }

    static final Key<UpstreamBody.Prepared> PREPARED = Key.of("prepared");
    static final Key<HttpClientRequest> UPSTREAM_REQUEST = Key.of("upstreamRequest");
    static final Key<Deadlines.Deadline> DEADLINE = Key.of("deadline");
    /** Why a relay broke off ("upstream_reset", "client_closed", ...): an upstream's fault counts against it. */
    static final Key<String> ABORT_REASON = Key.of("abortReason");
    /** An upstream's error answer, read whole by Forward ({@link UpstreamErrors#TOO_LARGE} past the cap). */
    static final Key<Buffer> ERROR_BODY = Key.of("errorBody");
}
