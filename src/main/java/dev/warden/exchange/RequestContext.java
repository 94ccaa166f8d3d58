package dev.warden.exchange;

import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.pipeline.Key;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The typed exchange keys that several stage packages share. Stage packages never depend on each
 * other, so what one stage learns for a later one is named here, in the package they all know.
 */
public final class RequestContext {
    private RequestContext() {
    }

    /** The config snapshot read once when the request arrived; every stage uses this one. */
    public static final Key<Snapshot> SNAPSHOT = Key.of("snapshot");
    /** The tenant the request names (path, header), set by Identify; absent if none is named. */
    public static final Key<TenantClaim> CLAIM = Key.of("claim");
    /** The verified tenant, set by Authenticate. */
    public static final Key<Tenant> TENANT = Key.of("tenant");
    /** Who is calling, set by Authenticate. */
    public static final Key<Principal> PRINCIPAL = Key.of("principal");
    /** A Warden-signed service token for the upstream, when its pool asks for one. */
    public static final Key<String> SERVICE_TOKEN = Key.of("serviceToken");
    /** How the principal authenticated (for step-up decisions). */
    public static final Key<AuthContext> AUTH = Key.of("auth");
    /** The checked request body, set by the body stage once the caller is authenticated. */
    public static final Key<RequestBody> BODY = Key.of("body");
    /** The model the request calls, set by Authorize once allowed. */
    public static final Key<String> MODEL = Key.of("model");
    /** The request's worst-case cost, set by Admit (inference operations). */
    public static final Key<CostEstimate> COST = Key.of("cost");
    /** Counts the tokens of text in the model's encoding (set by admission; the relay counts an answer that reports no usage). */
    public static final Key<ToLongFunction<String>> OUTPUT_COUNTER = Key.of("outputCounter");
    /**
     * Counts the prompt's tokens when admission charged nothing by them and its estimate holds only
     * an upper bound (absent when the estimate's input is the count): an answer without usage is recorded with it.
     */
    public static final Key<java.util.function.LongSupplier> PROMPT_COUNT = Key.of("promptCount");
    /** True when the usage was counted by Warden from the relayed text (the upstream reported none). */
    public static final Key<Boolean> USAGE_COUNTED = Key.of("usageCounted");
    /** The upstream calls that did not become the answer (retries, fallbacks), in order; set by Forward. */
    public static final Key<List<UpstreamTry>> TRIES = Key.of("tries");
    /** Where the request goes, set by Route. */
    public static final Key<SelectedRoute> ROUTE = Key.of("route");
    /** The upstream attempts (Route picks the first, Forward reports each and asks for retries). */
    public static final Key<RouteAttempts> ATTEMPTS = Key.of("attempts");
    /** The upstream's answer (head received, body paused), set by Forward for Respond. */
    public static final Key<HttpClientResponse> UPSTREAM_RESPONSE = Key.of("upstreamResponse");
    /** The upstream's JSON answer as relayed (up to the response cap), set by the relay at its end. */
    public static final Key<Buffer> RESPONSE_BODY = Key.of("responseBody");
    /** Set by the cache on a miss of a cacheable stream: keep up to this many bytes of the relayed events as RESPONSE_BODY. */
    public static final Key<Integer> KEEP_STREAM_BYTES = Key.of("keepStreamBytes");
    /** Guard -> Respond: the tenant's guardrails on the answer, streamed or whole (absent: none). */
    public static final Key<OutputCheck> OUTPUT_CHECK = Key.of("outputCheck");
    /** Guard -> Cache, Respond: the fields of the answer the caller's role does not see (absent: none). */
    public static final Key<dev.warden.config.FieldMask> ANSWER_FIELDS = Key.of("answerFields");
    /** Body -> Forward: an audio request's file, on disk (its form fields are the request body's fields). */
    public static final Key<AudioUpload> AUDIO = Key.of("audioUpload");
    /** Objects -> Route: the one upstream (its URL) that holds the stored object the request is about. */
    public static final Key<String> PINNED_UPSTREAM = Key.of("pinnedUpstream");
    /** Respond -> Objects: the id of the Responses API response the answer is or carries. */
    public static final Key<String> RESPONSE_OBJECT_ID = Key.of("responseObjectId");
    /** True when the answer came from the response cache (no upstream call). */
    public static final Key<Boolean> CACHE_HIT = Key.of("cacheHit");
    /** Nanotime when the request was sent to the upstream that answered (the last try). */
    public static final Key<Long> UPSTREAM_SENT_NANOS = Key.of("upstreamSentNanos");
    /** Nanotime when the upstream's response head arrived. */
    public static final Key<Long> UPSTREAM_HEAD_NANOS = Key.of("upstreamHeadNanos");
    /** Respond -> Trace: the model that answered, as the answer names it ({@code gen_ai.response.model}). */
    public static final Key<String> RESPONSE_MODEL = Key.of("responseModel");
    /** Respond -> Trace: why the model stopped ({@code stop}, {@code length}, {@code tool_calls}...: the first choice's). */
    public static final Key<String> FINISH_REASON = Key.of("finishReason");
    /** Respond -> Metrics, Trace: the answer is relayed as a stream of events (time to first token is measured). */
    public static final Key<Boolean> STREAMED = Key.of("streamed");
    /** What the request really used and cost, reckoned once on completion ({@link Metered#of}). */
    public static final Key<Metered> METERED = Key.of("metered");
}
