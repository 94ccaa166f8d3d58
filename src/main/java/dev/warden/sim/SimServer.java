package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.warden.config.ProviderKind;
import dev.warden.token.ServiceTokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A simulated OpenAI-compatible model server: chat, completions, embeddings, models and a generic
 * predict route, with a region label, configurable time to first token and streaming pace,
 * correct usage counts, an {@code echo} model that answers with the request headers it received,
 * fault knobs ({@link Faults}: per request, or standing with {@link #faults(String)}), {@code GET /health}
 * for health checks ({@link #healthy(boolean)}), and a job service ({@link SimJobs}). It echoes the
 * {@code X-Tenant-ID} it received. Used by the demo, the tests and the benchmarks; never a real model.
 */
public final class SimServer {
    private final Vertx vertx;
    private final SimOptions options;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private volatile ConcurrentLinkedQueue<long[]> spans;
    private final SimJobs jobs;
    private volatile String lastBody;
    private volatile MultiMap lastHeaders;
    private HttpServer server;

    public SimServer(Vertx vertx, SimOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.jobs = new SimJobs(vertx, options.region());
    }

    /** The job service (tests look at what a job's worker saw). */
    public SimJobs jobs() {
        return jobs;
    }

    public Future<SimServer> start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setTcpNoDelay(true).setReuseAddress(true).setAcceptBacklog(4096));
        server.connectionHandler(c -> connections.incrementAndGet());
        server.requestHandler(this::handle);
        return server.listen().map(s -> this);
    }

    public Future<Void> stop() {
        jobs.close();
        return server == null ? Future.succeededFuture() : server.close();
    }

    public int port() {
        return server.actualPort();
    }

    public String region() {
        return options.region();
    }

    private volatile String standingFaults;
    private volatile boolean healthy = true;

    /**
     * Tests and fault drills: from now on, misbehave on every request that asks for nothing itself
     * (the {@code X-Sim-Fault} syntax; null: behave).
     */
    public void faults(String faults) {
        this.standingFaults = faults;
    }

    /** Whether {@code GET /health} answers 200 (true) or 503. */
    public void healthy(boolean healthy) {
        this.healthy = healthy;
    }

    /** How many requests reached this sim (tests assert that refused requests never do). */
    public long requestCount() {
        return requests.get();
    }

    /** Tests: from now on, remember when each request started and ended here ({@link #spans()}). */
    public void trackSpans() {
        spans = new ConcurrentLinkedQueue<>();
    }

    /** Each request's {start, end} in {@link System#nanoTime()} since {@link #trackSpans()} (those that ended). */
    public List<long[]> spans() {
        return spans == null ? List.of() : List.copyOf(spans);
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (req.method().name().equals("GET") && path.equals("/health")) { // health checks are not counted as requests
            json(req.response(), healthy ? 200 : 503, healthy ? "{\"status\":\"ok\"}" : "{\"status\":\"down\"}");
            return;
        }
        requests.incrementAndGet();
        HttpServerResponse res = req.response();
        res.closeHandler(v -> {
            if (!res.ended()) {
                cut.incrementAndGet(); // the caller went away mid-answer
            }
        });
        var tracked = spans;
        if (tracked != null) {
            long start = System.nanoTime();
            res.endHandler(v -> tracked.add(new long[] {start, System.nanoTime()}));
        }
        String tenant = req.getHeader("X-Tenant-ID");
        String asked = req.getHeader("X-Sim-Fault");
        Faults faults = Faults.parse(asked != null ? asked : standingFaults);
        res.putHeader("X-Sim-Region", options.region());
        res.putHeader("X-Model-Version", "sim-1");
        if (faults.closeConnection()) {
            res.putHeader("Connection", "close");
        }
        if (faults.tenant() != null) {
            res.putHeader("X-Tenant-ID", faults.tenant());
        } else if (tenant != null) {
            res.putHeader("X-Tenant-ID", tenant);
        }
        if (req.method().name().equals("GET") && path.equals("/v1/models")) {
            ObjectNode list = SimReplies.MAPPER.createObjectNode().put("object", "list");
            options.models().forEach(m -> list.withArray("data").addObject().put("id", m).put("object", "model").put("owned_by", "sim"));
            json(res, 200, list.toString());
            return;
        }
        req.body().onSuccess(body -> {
            if (faults.delayMs() > 0) {
                vertx.setTimer(faults.delayMs(), t -> answer(req, path, body, faults));
            } else {
                answer(req, path, body, faults);
            }
        }).onFailure(e -> res.reset());
    }

    /** How many answers were cut off by the caller before their end (tests check a client leaving cancels the upstream). */
    public long cutCount() {
        return cut.get();
    }

    /** How many connections were opened to this sim (tests check keep-alive reuse). */
    public long connectionCount() {
        return connections.get();
    }

    /** The body of the last request answered (tests check what an upstream really received). */
    public String lastBody() {
        return lastBody;
    }

    private volatile SimPersonality personality = SimPersonality.OPEN;
    private final SimResponses responses = new SimResponses();

    /** From now on, act as this provider: its paths, the credential and version it requires, its error shapes. */
    public void personality(SimPersonality personality) {
        this.personality = personality;
    }

    private volatile Supplier<JWKSet> serviceKeys;
    private volatile String serviceAudience;
    private volatile String serviceIssuer;
    private volatile JWTClaimsSet lastServiceClaims;

    /**
     * From now on, refuse (401) every request without a valid Warden service token for
     * {@code audience} (the pool), verified with the keys {@code keys} supplies (Warden's JWKS).
     */
    public void requireServiceTokens(Supplier<JWKSet> keys, String issuer, String audience) {
        this.serviceIssuer = issuer;
        this.serviceAudience = audience;
        this.serviceKeys = keys;
        jobs.verifyWith(keys, issuer);
    }

    /** The claims of the last accepted service token. */
    public JWTClaimsSet lastServiceClaims() {
        return lastServiceClaims;
    }

    private volatile long lastAnsweredNanos;

    /** When the last request was answered ({@link System#nanoTime()}; 0: none yet): which of two sims answered last. */
    public long lastAnsweredNanos() {
        return lastAnsweredNanos;
    }

    /** The headers of the last request answered. */
    public MultiMap lastHeaders() {
        return lastHeaders;
    }

    private void answer(HttpServerRequest req, String path, Buffer raw, Faults faults) {
        HttpServerResponse res = req.response();
        lastBody = raw.toString();
        lastHeaders = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
        lastAnsweredNanos = System.nanoTime();
        if (serviceKeys != null) {
            String auth = req.getHeader("Authorization");
            JWTClaimsSet claims = auth == null || !auth.startsWith("Bearer ") ? null
                    : ServiceTokenVerifier.verify(auth.substring(7), serviceKeys.get(), serviceIssuer, serviceAudience);
            if (claims == null) {
                json(res, 401, "{\"error\":{\"message\":\"a valid service token is required\",\"type\":\"authentication_error\"}}");
                return;
            }
            lastServiceClaims = claims;
        }
        SimPersonality.Call call = personality.check(req);
        if (call.error() != null) {
            json(res, call.status(), call.error());
            return;
        }
        if (faults.resetHead()) {
            req.connection().close();
            return;
        }
        if (faults.contextExceeded()) {
            json(res, 400, personality.kind() == ProviderKind.ANTHROPIC
                    ? "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 9000 tokens > 8192 maximum\"}}"
                    : "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 "
                    + "tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
            return;
        }
        if (faults.status() > 0) {
            if (faults.retryAfter() >= 0) {
                res.putHeader("Retry-After", Integer.toString(faults.retryAfter()));
            }
            json(res, faults.status(), personality.kind() == ProviderKind.ANTHROPIC
                    ? "{\"type\":\"error\",\"error\":{\"type\":\"" + (faults.status() == 429 ? "rate_limit_error" : "api_error")
                    + "\",\"message\":\"simulated failure\"}}"
                    : "{\"error\":{\"message\":\"simulated failure\",\"type\":\"server_error\"}}");
            return;
        }
        if (call.operation().equals("audio")) { // multipart, not JSON
            SimServer.json(res, 200, SimReplies.transcription(raw.toString(java.nio.charset.StandardCharsets.ISO_8859_1), raw.length(),
                    faults.noUsage()).toString());
            return;
        }
        JsonNode body;
        try {
            body = raw.length() == 0 ? SimReplies.MAPPER.createObjectNode() : SimReplies.MAPPER.readTree(raw.getBytes());
        } catch (IOException e) {
            json(res, 400, "{\"error\":{\"message\":\"invalid json\",\"type\":\"invalid_request_error\"}}");
            return;
        }
        String model = call.deployment() != null ? call.deployment() : body.path("model").asText("unknown");
        long created = System.currentTimeMillis() / 1000;
        String id = "sim-" + options.region() + "-" + ids.incrementAndGet();
        switch (call.operation()) {
            case "chat", "completions" -> {
                boolean chat = call.operation().equals("chat");
                int prompt = SimText.countPrompt(body);
                int max = body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(options.defaultTokens()));
                SimReplies.Reply reply = SimReplies.reply(model, req.headers(), max, options.region());
                String content = reply.content();
                int completion = reply.tokens();
                String tool = chat ? SimReplies.forcedTool(body) : null;
                if (tool != null) { // a forced tool choice: the model calls the tool
                    boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
                    SimReplies.toolCall(res, body.path("stream").asBoolean(false), usage, id, model, created, tool, prompt);
                } else if (body.path("stream").asBoolean(false)) {
                    boolean usage = body.path("stream_options").path("include_usage").asBoolean(false) && !faults.noUsage();
                    new SimStreamer(vertx, res, options, faults, chat, id, model, created, content, prompt, completion, usage).start();
                } else if (faults.stall() || faults.resetAfter() >= 0) {
                    res.setChunked(true).putHeader("Content-Type", "application/json");
                    res.write("{\"id\":\"" + id + "\",");
                    if (!faults.stall()) {
                        res.reset();
                    }
                } else {
                    ObjectNode out = chat ? SimReplies.chat(id, model, created, content, prompt, completion)
                            : SimReplies.completion(id, model, created, content, prompt, completion);
                    if (faults.noUsage()) {
                        out.remove("usage");
                    }
                    json(res, 200, out.toString());
                }
            }
            case "embeddings" -> json(res, 200, SimReplies.embeddings(model, body.get("input")).toString());
            case "moderations" -> SimModeration.answer(vertx, res, id, model, body.get("input"));
            case "images" -> json(res, 200, SimReplies.images(body, faults.noUsage()).toString());
            case "responses" -> responses.create(res, body, id, model, req.headers(), options.region(), options.defaultTokens());
            case "messages" -> SimMessages.answer(vertx, req, body, options, faults, id);
            default -> {
                if (path.equals("/v1/jobs") && req.method() == HttpMethod.POST) {
                    jobs.create(body, res);
                } else if (path.startsWith("/v1/jobs/") && path.endsWith("/cancel") && req.method() == HttpMethod.POST) {
                    jobs.cancel(path.substring("/v1/jobs/".length(), path.length() - "/cancel".length()), res);
                } else if (path.startsWith("/v1/jobs/") && req.method() == HttpMethod.GET) {
                    jobs.status(path.substring("/v1/jobs/".length()), res);
                } else if (path.startsWith("/v1/responses/") && req.method() == HttpMethod.GET) {
                    responses.get(res, path.substring("/v1/responses/".length()));
                } else if (path.startsWith("/v1/responses/") && req.method() == HttpMethod.DELETE) {
                    responses.delete(res, path.substring("/v1/responses/".length()));
                } else if (path.startsWith("/v1/models/") && path.endsWith("/predict")) {
                    String m = path.substring("/v1/models/".length(), path.length() - "/predict".length());
                    json(res, 200, SimReplies.predict(m, options.region(), body).toString());
                } else {
                    json(res, 404, "{\"error\":{\"message\":\"no such route\",\"type\":\"invalid_request_error\"}}");
                }
            }
        }
    }

    static void json(HttpServerResponse res, int status, String body) {
        res.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }
}
