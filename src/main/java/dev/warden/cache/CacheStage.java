package dev.warden.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.config.FieldMask;
import dev.warden.config.CacheSettings;
import dev.warden.config.Tenant;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.http.SecurityHeaders;
import dev.warden.observe.GatewayMetrics;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Key;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.pipeline.Usage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Cache: the tenant-scoped exact-match response cache, between Route and Forward. For a tier with
 * a {@code cache}, a chat, completion or embedding request (streamed or not) that is deterministic
 * ({@code temperature: 0}, an embedding, {@code X-Warden-Cache: use}, or a tier with
 * {@code anyTemperature}) is looked up under its {@link CacheKey} (the verified tenant first, so no
 * tenant can reach another's entries); a hit is answered here, marked {@code X-Cache: hit}, and
 * charged the tier's {@code pricePercent} of the answer's cost; a miss is forwarded and its answer
 * kept if it is a complete 200 answer (JSON, or a stream that ended normally: the events as the
 * client received them), with the usage the upstream reported. The key names the set of regions
 * the tenant may be served from (not the upstream that was picked), so any of its regions' answers
 * serves a repeat, and a tenant whose regions change starts afresh.
 * A stream's key differs from the same request's unstreamed key (the body says {@code stream}).
 * {@code X-Warden-Cache: bypass} neither reads nor writes.
 */
public final class CacheStage implements Stage {
    static final String HEADER = "X-Warden-Cache";
    private static final Key<String> KEY = Key.of("cacheKey");

    private final ResponseCache cache;
    private final GatewayMetrics metrics;

    public CacheStage(ResponseCache cache, GatewayMetrics metrics) {
        this.cache = cache;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation op = exchange.request().operation();
        if (op != Operation.CHAT_COMPLETIONS && op != Operation.COMPLETIONS && op != Operation.EMBEDDINGS) {
            return Outcome.continueNow();
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        CacheSettings settings = tenant.tier().cache();
        String mode = exchange.request().headers().get(HEADER);
        if (mode != null && !mode.equals("use") && !mode.equals("bypass")) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_HEADER, HEADER + " must be use or bypass.", "invalid_cache_header"));
        }
        RequestBody body = exchange.get(RequestContext.BODY);
        if (settings == null || body == null) {
            return Outcome.continueNow(); // no cache for the tier
        }
        if ("bypass".equals(mode)) {
            count(tenant, "bypass");
            return Outcome.continueNow();
        }
        if (!(op == Operation.EMBEDDINGS || settings.anyTemperature() || "use".equals(mode) || temperatureZero(body))) {
            return Outcome.continueNow();
        }
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        CostEstimate cost = exchange.get(RequestContext.COST);
        FieldMask hidden = exchange.get(RequestContext.ANSWER_FIELDS); // an answer is kept as its caller saw it: per mask
        // keyed by the regions the tenant may be served from, not the upstream picked: any of them may answer
        // a repeat, and an answer is only ever kept for the region set it was produced under
        String key = CacheKey.of(tenant.id(), tenant.regionLabel(), route.model().name(), route.model().upstreamName(),
                hidden == null ? op.name() : op.name() + " without " + String.join(",", hidden.paths()),
                cost == null ? 0 : cost.outputCap(), exchange.request().headers().get("Accept"),
                exchange.request().headers().get("Accept-Encoding"), body.raw().getBytes());
        return cache.get(tenant.id(), key, settings).map(hit -> {
            long now = System.currentTimeMillis();
            if (hit == null || hit.storedAtMs() + settings.ttlSeconds() * 1000L <= now) {
                exchange.put(KEY, key);
                if (streaming(body)) {
                    exchange.put(RequestContext.KEEP_STREAM_BYTES, settings.maxEntryBytes());
                }
                exchange.addResponseHeader("X-Cache", "miss");
                count(tenant, "miss");
                return Outcome.CONTINUE;
            }
            count(tenant, "hit");
            return answer(exchange, route, settings, hit);
        });
    }

    /** Answers from the cache: the kept body, tagged like any answer, charged the tier's cache price. */
    private static Outcome answer(Exchange exchange, SelectedRoute route, CacheSettings settings, CachedAnswer hit) {
        exchange.put(RequestContext.CACHE_HIT, Boolean.TRUE);
        exchange.put(RequestContext.ROUTE, route.charged(settings.pricePercent()));
        exchange.usage(new Usage(hit.inputTokens(), hit.outputTokens()));
        exchange.addResponseHeader("X-Cache", "hit");
        HttpServerResponse response = exchange.request().http().response();
        SecurityHeaders.apply(response.headers(), exchange);
        response.putHeader("Content-Type", hit.contentType());
        response.putHeader("X-Model", route.model().name());
        if (hit.modelVersion() != null) {
            response.putHeader("X-Model-Version", hit.modelVersion());
        }
        response.putHeader("X-Upstream-Region", hit.region()); // where it was produced, one of the tenant's regions
        response.setStatusCode(200);
        exchange.responseStatus(200);
        return new Outcome.Respond(new Outcome.Reply.Sent(response.end(Buffer.buffer(hit.body()))));
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        String key = exchange.get(KEY);
        if (key == null || completion.status() != 200 || completion.aborted() || completion.error() != null) {
            return;
        }
        HttpClientResponse upstream = exchange.get(RequestContext.UPSTREAM_RESPONSE);
        Buffer body = exchange.get(RequestContext.RESPONSE_BODY);
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        Tenant tenant = exchange.require(RequestContext.TENANT);
        CacheSettings settings = tenant.tier().cache();
        String type = upstream == null ? null : upstream.getHeader("Content-Type");
        if (upstream == null || body == null || settings == null || body.length() > settings.maxEntryBytes()
                || type == null || !(type.regionMatches(true, 0, "application/json", 0, 16)
                        || type.regionMatches(true, 0, "text/event-stream", 0, 17))
                || upstream.getHeader("Content-Encoding") != null
                || Boolean.TRUE.equals(exchange.get(RequestContext.USAGE_COUNTED))) {
            return; // only a complete, plain JSON answer or stream whose usage the upstream reported is kept
        }
        if (!tenant.allowsRegion(route.upstream().region())) {
            return; // never reached: routes are filtered to the tenant's regions; kept out of the cache all the same
        }
        Usage usage = completion.usage();
        cache.put(tenant.id(), key, new CachedAnswer(type, upstream.getHeader("X-Model-Version"), body.getBytes(), usage.inputTokens(),
                usage.outputTokens(), System.currentTimeMillis(), route.upstream().region()), settings);
        count(tenant, "stored");
    }

    private void count(Tenant tenant, String result) {
        if (metrics != null) {
            metrics.cache(tenant.id(), result);
        }
    }

    private static boolean streaming(RequestBody body) {
        JsonNode stream = body.field("stream");
        return stream != null && stream.asBoolean(false);
    }

    private static boolean temperatureZero(RequestBody body) {
        JsonNode t = body.field("temperature");
        return t != null && t.isNumber() && t.doubleValue() == 0.0;
    }
}
