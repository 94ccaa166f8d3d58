package dev.warden.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.ModelConfig;
import dev.warden.config.PoolConfig;
import dev.warden.config.ProviderKind;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.UpstreamConfig;
import dev.warden.config.UpstreamCredential;
import dev.warden.guard.ModerationCalls;
import dev.warden.provider.UpstreamSecrets;
import dev.warden.routing.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The guardrails' moderation calls, over the model's own pool: OpenAI's {@code POST /v1/moderations}
 * to the least loaded available upstream in a region the tenant allows (never another: a prompt
 * does not leave its regions to be checked), with the pool's credential, bounded as a whole by the
 * policy's timeout. The verdict is every category any result marks {@code true}.
 */
final class PoolModeration implements ModerationCalls {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Moderation verdicts are small: a larger answer is not one. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;

    private final Vertx vertx;
    private final HttpClient client;
    private final UpstreamRegistry upstreams;
    private final UpstreamSecrets secrets;

    PoolModeration(Vertx vertx, HttpClient client, UpstreamRegistry upstreams, UpstreamSecrets secrets) {
        this.vertx = vertx;
        this.client = client;
        this.upstreams = upstreams;
        this.secrets = secrets;
    }

    @Override
    public Future<Set<String>> flagged(Snapshot snapshot, Tenant tenant, String model, List<String> texts, long timeoutMs) {
        ModelConfig mc = snapshot.config().models().get(model);
        PoolConfig pool = mc == null ? null : snapshot.config().pools().get(mc.pool());
        if (pool == null || pool.provider() == ProviderKind.ANTHROPIC || pool.serviceTokens()) {
            return Future.failedFuture("moderation model '" + model + "' is not served by an OpenAI-style pool");
        }
        UpstreamConfig upstream = upstreams.available(pool, pool.upstreams().stream().filter(u -> tenant.allowsRegion(u.region())).toList());
        if (upstream == null) {
            return Future.failedFuture("no available upstream for the moderation model in the tenant's regions");
        }
        UpstreamCredential credential = upstream.credential();
        String secret = credential.present() ? secrets.value(credential.secret()) : null;
        if (credential.present() && secret == null) {
            return Future.failedFuture("the moderation pool's credential has no value");
        }
        ObjectNode body = MAPPER.createObjectNode().put("model", mc.upstreamName());
        texts.forEach(body.putArray("input")::add);
        Buffer payload = Buffer.buffer(body.toString());
        Promise<Set<String>> verdict = Promise.promise();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long timer = vertx.setTimer(timeoutMs, t -> {
            if (verdict.tryFail("the moderation model did not answer in " + timeoutMs + " ms") && sent[0] != null) {
                sent[0].reset();
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(upstream.host()).setPort(upstream.port())
                .setSsl(upstream.tls()).setURI(upstream.path("/v1/moderations", mc.upstreamName())).setFollowRedirects(false)
                .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
        client.request(options).compose(request -> {
            sent[0] = request;
            request.putHeader("Content-Type", "application/json").putHeader("X-Tenant-ID", tenant.id());
            if (secret != null) {
                request.putHeader(credential.header(), credential.bearer() ? "Bearer " + secret : secret);
            }
            return request.send(payload);
        }).compose(response -> {
            if (response.statusCode() != 200) {
                response.request().reset();
                return Future.failedFuture("the moderation model answered " + response.statusCode());
            }
            String length = response.getHeader("Content-Length");
            if (length != null && length.length() > 9) {
                return Future.failedFuture("moderation answer too large");
            }
            return response.body();
        }).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed()) {
                verdict.tryFail(ar.cause());
                return;
            }
            Set<String> categories = ar.result().length() > MAX_ANSWER_BYTES ? null : categories(ar.result());
            if (categories == null) {
                verdict.tryFail("the moderation model's answer could not be read");
            } else {
                verdict.tryComplete(categories);
            }
        });
        return verdict.future();
    }

    /** Every category marked true in any result, or null when the answer is not a moderation answer. */
    static Set<String> categories(Buffer answer) {
        JsonNode root;
        try {
            root = MAPPER.readTree(answer.getBytes());
        } catch (IOException e) {
            return null;
        }
        JsonNode results = root == null ? null : root.get("results");
        if (results == null || !results.isArray()) {
            return null;
        }
        Set<String> flagged = new HashSet<>();
        for (JsonNode r : results) {
            JsonNode c = r.get("categories");
            if (c == null || !c.isObject()) {
                return null;
            }
            c.fields().forEachRemaining(e -> {
                if (e.getValue().asBoolean(false) && e.getKey().length() <= 64) {
                    flagged.add(e.getKey());
                }
            });
            if (r.path("flagged").asBoolean(false) && flagged.isEmpty()) {
                flagged.add("flagged"); // flagged without naming a category
            }
        }
        return flagged;
    }
}
