package dev.warden.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.util.Set;

/**
 * Talks to a pool's job service on one upstream: submit ({@code POST {jobsPath}}), status
 * ({@code GET {jobsPath}/{id}}) and cancel ({@code POST {jobsPath}/{id}/cancel}). Each call carries
 * the verified tenant, the request id and (when the pool asks) a Warden service token, never the
 * client's credential. Answers are read whole up to {@value #MAX_BYTES} bytes and only the fields
 * Warden understands are kept; an answer naming another tenant is refused (isolation).
 */
final class JobService {
    static final int MAX_BYTES = 64 * 1024;
    private static final Set<String> STATES = Set.of("queued", "running", "succeeded", "failed", "cancelled");

    /** What the job service said about a job. */
    record Status(String state, double progress, String stopReason) {
    }

    /** A call's outcome: the upstream's status code and JSON object, or a failure reason. */
    record Reply(int status, JsonNode body, String failure) {
        boolean ok() {
            return failure == null && status >= 200 && status < 300 && body != null && body.isObject();
        }
    }

    private final HttpClient client;
    private final long timeoutMs;

    JobService(HttpClient client, long timeoutMs) {
        this.client = client;
        this.timeoutMs = timeoutMs;
    }

    Future<Reply> submit(UpstreamConfig upstream, String jobsPath, ObjectNode payload, Call call) {
        return send(HttpMethod.POST, upstream, upstream.basePath() + jobsPath, Buffer.buffer(payload.toString()), call);
    }

    Future<Reply> status(UpstreamConfig upstream, String jobsPath, String upstreamJobId, Call call) {
        return send(HttpMethod.GET, upstream, upstream.basePath() + jobsPath + "/" + upstreamJobId, null, call);
    }

    Future<Reply> cancel(UpstreamConfig upstream, String jobsPath, String upstreamJobId, Call call) {
        return send(HttpMethod.POST, upstream, upstream.basePath() + jobsPath + "/" + upstreamJobId + "/cancel", Buffer.buffer(), call);
    }

    /** Who a call is for: the verified tenant, the request's id, and the service token (or null). */
    record Call(String tenant, String requestId, String serviceToken) {
    }

    private Future<Reply> send(HttpMethod method, UpstreamConfig upstream, String path, Buffer body, Call call) {
        RequestOptions options = new RequestOptions().setMethod(method).setHost(upstream.host()).setPort(upstream.port())
                .setSsl(upstream.tls()).setURI(path).setFollowRedirects(false).setIdleTimeout(timeoutMs)
                .putHeader("Host", upstream.authority()).putHeader("X-Tenant-ID", call.tenant())
                .putHeader("X-Request-ID", call.requestId()).putHeader("Accept", "application/json");
        if (call.serviceToken() != null) {
            options.putHeader("Authorization", "Bearer " + call.serviceToken());
        }
        if (body != null) {
            options.putHeader("Content-Type", "application/json");
        }
        return client.request(options)
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(res -> {
                    String echo = res.getHeader("X-Tenant-ID");
                    if (echo != null && !echo.equals(call.tenant())) {
                        res.request().reset();
                        return Future.succeededFuture(new Reply(res.statusCode(), null, "isolation_violation"));
                    }
                    long declared = parseLength(res.getHeader("Content-Length"));
                    if (declared > MAX_BYTES) {
                        res.request().reset();
                        return Future.succeededFuture(new Reply(res.statusCode(), null, "answer_too_large"));
                    }
                    return res.body().map(b -> b.length() > MAX_BYTES ? new Reply(res.statusCode(), null, "answer_too_large")
                            : new Reply(res.statusCode(), parse(b), null));
                })
                .recover(e -> Future.succeededFuture(new Reply(0, null, "unreachable")));
    }

    /** The job service's status, when it is one Warden understands. */
    static Status status(JsonNode body) {
        String state = body.path("status").asText("");
        JsonNode progress = body.get("progress");
        if (!STATES.contains(state) || progress == null || !progress.isNumber()) {
            return null;
        }
        double p = Math.max(0, Math.min(1, progress.asDouble()));
        String reason = body.path("stop_reason").asText(null);
        if (reason != null && !reason.matches("[a-z0-9_:.-]{1,64}")) {
            reason = "upstream_reported";
        }
        return new Status(state, Math.round(p * 1000) / 1000.0, reason);
    }

    /** Why a submission failed, as a stable reason the job keeps. */
    static String failureReason(Reply reply) {
        if ("isolation_violation".equals(reply.failure())) {
            return "job_service_tenant_mismatch"; // its answer named another tenant: dropped
        }
        if (reply.failure() == null && reply.status() >= 400 && reply.status() < 500) {
            return "job_service_refused:" + reply.status();
        }
        return "job_service_failed:" + (reply.failure() != null ? reply.failure() : Integer.toString(reply.status()));
    }

    /** The job service's own id for a new job: a short token of safe characters, or null. */
    static String upstreamId(JsonNode body) {
        String id = body.path("id").asText("");
        return id.matches("[A-Za-z0-9._~-]{1,128}") ? id : null;
    }

    private static JsonNode parse(Buffer b) {
        try {
            return JobView.MAPPER.readTree(b.getBytes());
        } catch (IOException e) {
            return null;
        }
    }

    private static long parseLength(String v) {
        try {
            return v == null ? -1 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
