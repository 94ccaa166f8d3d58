package dev.warden.proxy;

import dev.warden.config.ProviderKind;
import dev.warden.config.Timeouts;
import dev.warden.config.UpstreamCredential;
import dev.warden.exchange.AudioUpload;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.RouteAttempts;
import dev.warden.exchange.SelectedRoute;
import dev.warden.exchange.UpstreamTry;
import dev.warden.observe.TraceContext;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.provider.UpstreamSecrets;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forward: sends the request to the chosen upstream over the pooled client and waits for the
 * response head (bounded by the connect and first-byte timeouts), retrying on another allowed
 * upstream before the first byte where that is safe ({@link RouteAttempts}). The response body
 * stays paused for Respond, which checks it and streams it to the client. Redirects are never
 * followed. Each attempt's outcome feeds its upstream's circuit breaker.
 */
public final class ForwardStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardStage.class);
    /** When the current attempt started (its latency in the ledger if it is not the answer). */
    private static final Key<Long> ATTEMPT_START = Key.of("attemptStart");

    private final HttpClient client;
    private final Deadlines deadlines;
    private final UpstreamSecrets secrets;

    /** {@code secrets}: the platform's keys for upstreams that take one (their values; read elsewhere). */
    public ForwardStage(HttpClient client, Deadlines deadlines, UpstreamSecrets secrets) {
        this.client = client;
        this.deadlines = deadlines;
        this.secrets = secrets;
    }

    // Pre-encoded header names and values: written to the wire without per-character encoding.
    private static final CharSequence H_HOST = HttpHeaders.createOptimized("Host");
    private static final CharSequence H_TENANT = HttpHeaders.createOptimized("X-Tenant-ID");
    private static final CharSequence H_REQUEST_ID = HttpHeaders.createOptimized("X-Request-ID");
    private static final CharSequence H_PRINCIPAL = HttpHeaders.createOptimized("X-Warden-Principal");
    private static final CharSequence H_REGION = HttpHeaders.createOptimized("X-Warden-Region");
    private static final CharSequence H_XFF = HttpHeaders.createOptimized("X-Forwarded-For");
    private static final CharSequence H_XFP = HttpHeaders.createOptimized("X-Forwarded-Proto");
    private static final CharSequence H_FORWARDED = HttpHeaders.createOptimized("Forwarded");
    private static final CharSequence H_CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence H_CONTENT_LENGTH = HttpHeaders.createOptimized("Content-Length");
    private static final CharSequence V_HTTP = HttpHeaders.createOptimized("http");
    private static final CharSequence V_HTTPS = HttpHeaders.createOptimized("https");
    private static final CharSequence V_JSON = HttpHeaders.createOptimized("application/json");

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation operation = exchange.request().operation();
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        UpstreamBody.Prepared prepared = UpstreamBody.prepare(operation, exchange.get(RequestContext.BODY),
                route.model(), route.upstream().provider(), exchange.require(RequestContext.TENANT), exchange.get(RequestContext.COST));
        if (prepared.error() != null) {
            return Outcome.rejectNow(prepared.error());
        }
        exchange.put(StreamKeys.PREPARED, prepared);
        Timeouts timeouts = exchange.require(RequestContext.SNAPSHOT).config().timeouts();
        Promise<Outcome> outcome = Promise.promise();
        attempt(exchange, exchange.require(RequestContext.ATTEMPTS), prepared, timeouts, outcome);
        return outcome.future();
    }

    /**
     * One attempt on the current upstream. Before the first response byte, a connect failure, a
     * reset and a 503 with {@code Retry-After} go to another allowed upstream if the attempts allow
     * it; a first-byte timeout does not (the upstream may be working on it).
     */
    private void attempt(Exchange exchange, RouteAttempts attempts, UpstreamBody.Prepared prepared, Timeouts timeouts,
                         Promise<Outcome> outcome) {
        SelectedRoute route = attempts.current();
        exchange.put(RequestContext.ROUTE, route);
        long startNanos = System.nanoTime();
        exchange.put(ATTEMPT_START, startNanos);
        UpstreamCredential credential = route.upstream().credential();
        String secret = credential.present() ? secrets.value(credential.secret()) : null;
        if (credential.present() && secret == null) { // not readable yet: nothing is sent without it
            LOG.warn("upstream {}: its credential's secret ({}) has no value", route.upstream().authority(), credential.secret());
            attempts.report(RouteAttempts.Result.NEUTRAL);
            outcome.complete(Outcome.reject(GatewayError.of(ErrorCode.UPSTREAM_AUTH_FAILED,
                    "The gateway could not authenticate to the model server.", "credential_unavailable")));
            return;
        }
        RequestOptions options = new RequestOptions()
                .setMethod(exchange.request().operation().method())
                .setHost(route.upstream().host())
                .setPort(route.upstream().port())
                .setSsl(route.upstream().tls())
                .setURI(route.path())
                .setFollowRedirects(false)
                .setConnectTimeout(timeouts.connectMs());

        client.request(options).onComplete(ar -> {
            if (ar.failed()) { // no connection: nothing was sent
                failed(exchange, attempts, prepared, timeouts, outcome, failure(ar.cause(), false, route), "connect_failed");
                return;
            }
            HttpClientRequest request = ar.result();
            AudioForward multipart;
            try {
                MultiMap headers = request.headers();
                HeaderHygiene.copyToUpstream(exchange.request().headers(), headers);
                setGatewayHeaders(headers, exchange, route);
                if (secret != null) { // the platform's key, never the client's (HeaderHygiene dropped those)
                    headers.set(credential.header(), credential.bearer() ? "Bearer " + secret : secret);
                }
                if (route.upstream().provider() == ProviderKind.ANTHROPIC) {
                    headers.set(H_ANTHROPIC_VERSION, route.upstream().apiVersion());
                }
                AudioUpload audio = exchange.get(RequestContext.AUDIO);
                multipart = audio == null ? null
                        : new AudioForward(audio, exchange.request().http().formAttributes(), route.model().upstreamName());
                if (multipart != null) { // the gateway's own multipart body, streamed from the file
                    headers.set(H_CONTENT_TYPE, multipart.contentType());
                    headers.add(H_CONTENT_LENGTH, Long.toString(multipart.length()));
                } else {
                    headers.add(H_CONTENT_LENGTH, Integer.toString(prepared.body().length()));
                }
            } catch (RuntimeException e) { // a head the HTTP client will not write (the guard should have refused it): nothing was sent
                LOG.error("upstream request head for {} could not be written", exchange, e);
                request.reset();
                attempts.report(RouteAttempts.Result.NEUTRAL);
                outcome.complete(Outcome.reject(GatewayError.of(ErrorCode.INTERNAL_ERROR, "The request could not be forwarded.",
                        "upstream_head_refused")));
                return;
            }
            exchange.put(StreamKeys.UPSTREAM_REQUEST, request);

            boolean[] timedOut = {false};
            Deadlines.Deadline deadline = deadlines.create();
            exchange.put(StreamKeys.DEADLINE, deadline);
            deadline.arm(timeouts.firstByteMs(), () -> {
                timedOut[0] = true;
                request.reset(0, new TimeoutException("first byte"));
            });
            exchange.put(RequestContext.UPSTREAM_SENT_NANOS, System.nanoTime());
            (multipart != null ? multipart.send(request) : request.send(prepared.body())).onComplete(sent -> {
                deadline.cancel();
                if (sent.failed()) {
                    GatewayError error = failure(sent.cause(), timedOut[0], route);
                    if (timedOut[0]) {
                        attempts.report(RouteAttempts.Result.FAILED);
                        outcome.complete(Outcome.reject(error));
                    } else { // reset or closed before the head
                        failed(exchange, attempts, prepared, timeouts, outcome, error, "reset");
                    }
                    return;
                }
                HttpClientResponse response = sent.result();
                if (response.statusCode() < 400) {
                    answered(exchange, response, outcome);
                    return;
                }
                // an error answer is read whole before anything is decided: it may be one to answer elsewhere
                deadline.arm(timeouts.idleMs(), () -> request.reset(0, new TimeoutException("error body")));
                UpstreamErrors.read(response).onComplete(read -> {
                    deadline.cancel();
                    Buffer body = read.succeeded() ? read.result() : UpstreamErrors.TOO_LARGE;
                    String elsewhere = elsewhere(response, body, attempts);
                    if (elsewhere != null) {
                        tried(exchange, route, response.statusCode(), elsewhere, startNanos);
                        LOG.warn("upstream {} answered {} ({}); trying {} on {}", route.upstream().authority(), response.statusCode(),
                                elsewhere, attempts.current().model().name(), attempts.current().upstream().authority());
                        attempt(exchange, attempts, forModel(exchange, attempts, prepared), timeouts, outcome);
                        return;
                    }
                    exchange.put(StreamKeys.ERROR_BODY, body);
                    answered(exchange, response, outcome);
                });
            });
        });
    }

    /** The answer Respond passes on (its body paused, or an error's already read). */
    private static void answered(Exchange exchange, HttpClientResponse response, Promise<Outcome> outcome) {
        response.pause();
        exchange.put(RequestContext.UPSTREAM_RESPONSE, response);
        exchange.put(RequestContext.UPSTREAM_HEAD_NANOS, System.nanoTime());
        outcome.complete(Outcome.CONTINUE);
    }

    /**
     * Whether an error answer sends the request elsewhere, and why (null: it is the answer). A 429
     * rests its upstream for its {@code Retry-After} and goes to another upstream of the model or the
     * tenant's next model; a 503 with {@code Retry-After} likewise; any other 5xx, and a prompt over
     * the model's context window, to the next model only (same region, within what admission
     * reserved: {@link RouteAttempts#fallback}).
     */
    private static String elsewhere(HttpClientResponse response, Buffer body, RouteAttempts attempts) {
        int status = response.statusCode();
        if (status == 429) {
            attempts.coolDown(UpstreamErrors.retryAfterMs(response));
            attempts.report(RouteAttempts.Result.NEUTRAL); // busy, not broken: its breaker is not moved
            return another(attempts, "upstream_429") ? "upstream_429" : null;
        }
        if (status == 503 && response.getHeader("Retry-After") != null) {
            return another(attempts, "retry_after") ? "retry_after" : null;
        }
        if (status >= 500 && status != 501 && status != 505) {
            return attempts.fallback() != null ? "upstream_5xx" : null;
        }
        if ((status == 400 || status == 413 || status == 422) && UpstreamErrors.contextExceeded(body)) {
            attempts.report(RouteAttempts.Result.NEUTRAL); // it answered well: the prompt is too long for this model
            return attempts.fallback() != null ? "context_length" : null;
        }
        return null;
    }

    /** An upstream call that did not become the answer: for the ledger and the trace. */
    private static void tried(Exchange exchange, SelectedRoute route, int status, String reason, long startNanos) {
        List<UpstreamTry> tries = exchange.get(RequestContext.TRIES);
        if (tries == null) {
            tries = new ArrayList<>(2);
            exchange.put(RequestContext.TRIES, tries);
        }
        tries.add(new UpstreamTry(route, status, reason, (System.nanoTime() - startNanos) / 1_000_000));
    }

    /** An attempt failed before any answer: another upstream if allowed, else the error. */
    private void failed(Exchange exchange, RouteAttempts attempts, UpstreamBody.Prepared prepared, Timeouts timeouts,
                        Promise<Outcome> outcome, GatewayError error, String reason) {
        SelectedRoute failedOn = attempts.current();
        if (another(attempts, reason)) {
            tried(exchange, failedOn, error.status(), reason, exchange.get(ATTEMPT_START));
            LOG.warn("upstream {} failed before answering ({}); trying {} on {}", failedOn.upstream().authority(), reason,
                    attempts.current().model().name(), attempts.current().upstream().authority());
            attempt(exchange, attempts, forModel(exchange, attempts, prepared), timeouts, outcome);
            return;
        }
        outcome.complete(Outcome.reject(error));
    }

    /** Another upstream of the same model if a retry is allowed, else the tenant's next fallback model. */
    private static boolean another(RouteAttempts attempts, String reason) {
        return attempts.retry(reason) != null || attempts.fallback() != null;
    }

    /** The body for the current attempt's model: prepared again when a fallback replaced the model (perhaps another provider). */
    private static UpstreamBody.Prepared forModel(Exchange exchange, RouteAttempts attempts, UpstreamBody.Prepared prepared) {
        SelectedRoute before = exchange.require(RequestContext.ROUTE);
        if (before.model().equals(attempts.current().model()) && before.upstream().provider() == attempts.current().upstream().provider()) {
            return prepared;
        }
        UpstreamBody.Prepared again = UpstreamBody.prepare(exchange.request().operation(), exchange.get(RequestContext.BODY),
                attempts.current().model(), attempts.current().upstream().provider(), exchange.require(RequestContext.TENANT),
                exchange.get(RequestContext.COST));
        if (again.error() != null) {
            return prepared; // cannot happen: the body was checked once already; keep the first form
        }
        exchange.put(StreamKeys.PREPARED, again);
        return again;
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        // If the client went away or the relay failed, do not leave the upstream generating.
        Deadlines.Deadline deadline = exchange.get(StreamKeys.DEADLINE);
        if (deadline != null) {
            deadline.cancel();
        }
        HttpClientRequest request = exchange.get(StreamKeys.UPSTREAM_REQUEST);
        if (request != null && completion.aborted()) {
            request.reset();
        }
        RouteAttempts attempts = exchange.get(RequestContext.ATTEMPTS);
        if (attempts != null) {
            attempts.report(result(exchange, completion));
        }
    }

    /** How the last attempt went, for its upstream's breaker and metrics. */
    private static RouteAttempts.Result result(Exchange exchange, Completion completion) {
        HttpClientResponse response = exchange.get(RequestContext.UPSTREAM_RESPONSE);
        if (response == null) {
            return RouteAttempts.Result.NEUTRAL; // failures before the head were reported when they happened
        }
        String abort = exchange.get(StreamKeys.ABORT_REASON);
        if (abort != null && abort.startsWith("client_") && response.statusCode() < 500) {
            return RouteAttempts.Result.NEUTRAL; // the client left: says nothing about the upstream
        }
        boolean upstreamFault = response.statusCode() >= 500 || (abort != null && abort.startsWith("upstream_"))
                || (completion.error() != null && switch (completion.error().code()) {
                    case UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_PROTOCOL_ERROR, ISOLATION_VIOLATION -> true;
                    default -> false;
                });
        return upstreamFault ? RouteAttempts.Result.FAILED : RouteAttempts.Result.OK;
    }

    private static final CharSequence H_AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
    private static final CharSequence H_ANTHROPIC_VERSION = HttpHeaders.createOptimized("anthropic-version");
    private static final CharSequence H_TRACEPARENT = HttpHeaders.createOptimized("traceparent");

    private static void setGatewayHeaders(MultiMap headers, Exchange exchange, SelectedRoute route) {
        String client = exchange.request().remoteAddress();
        // HeaderHygiene dropped every one of these names: add, no need to replace.
        headers.add(H_HOST, route.upstream().authority());
        headers.add(H_TENANT, exchange.verifiedTenant());
        headers.add(H_REQUEST_ID, exchange.requestId());
        headers.add(H_PRINCIPAL, exchange.require(RequestContext.PRINCIPAL).subject());
        headers.add(H_REGION, route.upstream().region());
        headers.add(H_XFF, client);
        // the scheme the client used: https on a TLS data listener
        boolean tls = exchange.request().http() != null && exchange.request().http().isSSL();
        headers.add(H_XFP, tls ? V_HTTPS : V_HTTP);
        headers.add(H_FORWARDED, "for=\"" + client + "\";proto=" + (tls ? "https" : "http"));
        String serviceToken = exchange.get(RequestContext.SERVICE_TOKEN);
        if (serviceToken != null) {
            headers.add(H_AUTHORIZATION, "Bearer " + serviceToken); // the client's own credential never goes upstream
        }
        TraceContext trace = exchange.get(TraceContext.KEY);
        if (trace != null) {
            headers.add(H_TRACEPARENT, trace.traceparent()); // Warden's span is the upstream's parent
        }
        if (!headers.contains(H_CONTENT_TYPE)) {
            headers.add(H_CONTENT_TYPE, V_JSON);
        }
    }

    private static GatewayError failure(Throwable cause, boolean firstByteTimeout, SelectedRoute route) {
        String upstream = route.upstream().authority();
        if (firstByteTimeout) {
            LOG.warn("upstream {} sent no response head in time", upstream);
            return GatewayError.of(ErrorCode.UPSTREAM_TIMEOUT, "The model server did not answer in time.", "first_byte_timeout");
        }
        if (cause instanceof TimeoutException || cause instanceof io.netty.channel.ConnectTimeoutException) {
            LOG.warn("upstream {} timed out: {}", upstream, cause.toString());
            return GatewayError.of(ErrorCode.UPSTREAM_TIMEOUT, "The model server did not answer in time.", "connect_timeout");
        }
        LOG.warn("upstream {} failed: {}", upstream, cause.toString());
        return GatewayError.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The model server could not be reached.",
                cause instanceof ConnectException ? "connect_failed" : "upstream_failed");
    }

}
