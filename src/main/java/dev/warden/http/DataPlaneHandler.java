package dev.warden.http;

import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.exchange.RequestContext;
import dev.warden.observe.GatewayMetrics;
import dev.warden.observe.RequestIdStage;
import dev.warden.observe.SecurityLog;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.InboundRequest;
import dev.warden.pipeline.PipelineRunner;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.function.Predicate;

/**
 * The data plane's request handler: route and framing checks on the raw request, then the
 * pipeline. The request is paused until the body stage wants its body.
 */
public final class DataPlaneHandler implements Handler<HttpServerRequest> {
    private final SnapshotHolder snapshots;
    private final PipelineRunner runner;
    private final GatewayMetrics metrics;
    private final AuditWriter audit;
    private final Predicate<HttpServerRequest> platformEndpoints;

    /** {@code audit} may be null (no control store): refusals are then only logged and counted. */
    public DataPlaneHandler(SnapshotHolder snapshots, PipelineRunner runner, GatewayMetrics metrics, AuditWriter audit) {
        this(snapshots, runner, metrics, audit, null);
    }

    /**
     * {@code platformEndpoints} takes the requests of platform services, not tenants (token
     * exchange, job credential renewal) and says whether it did; null: those paths are unknown.
     */
    public DataPlaneHandler(SnapshotHolder snapshots, PipelineRunner runner, GatewayMetrics metrics, AuditWriter audit,
                            Predicate<HttpServerRequest> platformEndpoints) {
        this.platformEndpoints = platformEndpoints;
        this.snapshots = snapshots;
        this.runner = runner;
        this.metrics = metrics;
        this.audit = audit;
    }

    @Override
    public void handle(HttpServerRequest request) {
        long start = System.nanoTime();
        GatewayError target = checkTarget(request);
        if (target != null) {
            request.pause();
            refuse(request, target, null, start);
            return;
        }
        if (platformEndpoints != null && platformEndpoints.test(request)) {
            return; // platform services, not tenants: not the model pipeline
        }
        request.pause();
        Snapshot snapshot = snapshots.current();
        Routes.Result route = Routes.match(request.method(), request.uri());
        if (route.error() != null) {
            refuse(request, route.error(), route.allow(), start);
            return;
        }
        Routes.Match match = route.match();
        Operation op = match.operation();
        GatewayError bad = op == Operation.FILE_UPLOAD // an upload is multipart, streamed, and capped by its own limit
                ? RequestGuard.check(request, snapshot.config().limits(), "multipart/form-data", snapshot.config().store().files().maxBytes())
                : op.audio() ? RequestGuard.check(request, snapshot.config().limits(), "multipart/form-data", snapshot.config().limits().maxAudioBytes())
                : RequestGuard.check(request, snapshot.config().limits(), op.hasBody());
        if (bad != null) {
            refuse(request, bad, null, start);
            return;
        }
        String remote = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        InboundRequest inbound = new InboundRequest(match.operation(), match.tenant(), match.model(), match.job(), request.headers(),
                remote, request);
        Exchange exchange = new Exchange(inbound, start);
        exchange.put(RequestContext.SNAPSHOT, snapshot);
        runner.run(exchange);
    }

    /**
     * HTTP/2 carries the target in {@code :path}, which has no absolute form and is absent from a
     * CONNECT (RFC 9113 8.3.1, 8.5): neither is served. HTTP/1.1's absolute form stays accepted,
     * as RFC 9112 3.2.2 asks of a server.
     */
    private static GatewayError checkTarget(HttpServerRequest request) {
        String uri = request.uri();
        if (uri == null) {
            return GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "CONNECT is not served.", "method_not_allowed");
        }
        if (request.version() == HttpVersion.HTTP_2 && !uri.startsWith("/")) {
            return GatewayError.of(ErrorCode.INVALID_PATH, "The :path must be an absolute path.", "path_not_absolute");
        }
        return null;
    }

    /**
     * A request the HTTP decoder could not read: a problem+json (audited), then the connection
     * closes. A head cut short by the connection closing (the client left, or was answered 408 for
     * sending too slowly) is no request to answer: the connection is closed, nothing recorded twice.
     */
    void unreadable(HttpServerRequest request) {
        long start = System.nanoTime();
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof io.netty.handler.codec.PrematureChannelClosureException) {
            request.connection().close();
            return;
        }
        GatewayError error;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            error = GatewayError.of(ErrorCode.URI_TOO_LONG, "The request line is too long.", "uri_too_long");
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            error = GatewayError.of(ErrorCode.HEADERS_TOO_LARGE, "The request headers are too large.", "headers_too_large");
        } else {
            error = GatewayError.of(ErrorCode.INVALID_REQUEST, "The request could not be parsed.", "http_malformed");
        }
        request.response().headers().set("Connection", "close");
        refuse(request, error, null, start);
        request.connection().close();
    }

    /** A 408 the slow-client guard sends to {@code remote}: logged, audited and counted like any refusal; its request id. */
    String timedOut(String remote) {
        String requestId = RequestIdStage.next();
        GatewayError error = GatewayError.of(ErrorCode.REQUEST_TIMEOUT, "The request was sent too slowly.", "request_timeout");
        record(error, requestId, remote);
        metrics.request("_none", "_none", "_unrouted", error.status(), 0);
        return requestId;
    }

    private void record(GatewayError error, String requestId, String remote) {
        if (error.securityRelevant()) {
            SecurityLog.refusedBeforePipeline(requestId, remote, error);
            if (audit != null) {
                audit.record(new AuditEvent(System.currentTimeMillis(), null, null, "data.request", "deny",
                        error.code().code() + ":" + error.reason(), requestId, remote, null));
            }
        }
    }

    private void refuse(HttpServerRequest request, GatewayError error, String allow, long start) {
        String requestId = RequestIdStage.next();
        String remote = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        record(error, requestId, remote);
        ProblemWriter.writeBare(request, error, requestId, allow);
        metrics.request("_none", "_none", "_unrouted", error.status(), System.nanoTime() - start);
    }
}
