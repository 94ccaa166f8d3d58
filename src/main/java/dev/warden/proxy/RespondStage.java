package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.Snapshot;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.http.SecurityHeaders;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.provider.Answer;
import dev.warden.provider.StreamTranslator;
import dev.warden.provider.UpstreamSecrets;
import dev.warden.provider.anthropic.Answers;
import dev.warden.provider.anthropic.ChatStreamToMessages;
import dev.warden.provider.anthropic.MessagesStreamToChat;
import dev.warden.provider.anthropic.NativeMessagesStream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Respond: checks the upstream's answer belongs to the request's tenant (an {@code X-Tenant-ID}
 * echo naming anyone else drops the answer: 502 {@code isolation_violation}, a security event),
 * tags it (tenant, request id, model, region, timing, security headers) and streams it to the
 * client: SSE event by event, JSON chunk by chunk, reading the token usage on the way; across
 * APIs (an Anthropic model for an OpenAI client, or the reverse) through the provider's
 * translators. An error answer is scrubbed ({@link ErrorRelay}); an upstream that refuses the
 * gateway's credential is the gateway's 502; a redirect or an informational status is never passed on.
 */
public final class RespondStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(RespondStage.class);
    private final UpstreamSecrets secrets;

    /** {@code secrets}: the platform's upstream keys, taken out of any upstream error text before a client sees it. */
    public RespondStage(UpstreamSecrets secrets) {
        this.secrets = secrets;
    }

    private static final CharSequence H_MODEL = HttpHeaders.createOptimized("X-Model");
    private static final CharSequence H_MODEL_VERSION = HttpHeaders.createOptimized("X-Model-Version");
    private static final CharSequence H_REGION = HttpHeaders.createOptimized("X-Upstream-Region");
    private static final CharSequence H_TIME = HttpHeaders.createOptimized("X-Processing-Time-Ms");
    private static final CharSequence H_CONTENT_LENGTH = HttpHeaders.createOptimized("Content-Length");
    private static final CharSequence H_DROPPED = HttpHeaders.createOptimized("X-Warden-Dropped-Params");

    @Override
    public String name() {
        return "respond";
    }

    /** The stream translator for a translated answer (one per stream). */
    private static StreamTranslator translator(UpstreamBody.Prepared prepared) {
        return switch (prepared.translation()) {
            case CHAT_OVER_MESSAGES -> new MessagesStreamToChat(prepared.clientWantsUsageChunk());
            case MESSAGES_OVER_CHAT -> new ChatStreamToMessages(prepared.clientModel());
            case MESSAGES_NATIVE -> new NativeMessagesStream();
            case NONE -> throw new IllegalArgumentException("not translated");
        };
    }

    /** How a translated whole answer becomes the client's (its usage and text read on the way). */
    private static Function<JsonNode, Answer> answers(Translation translation) {
        return switch (translation) {
            case CHAT_OVER_MESSAGES -> Answers::messageToChat;
            case MESSAGES_OVER_CHAT -> Answers::chatToMessage;
            case MESSAGES_NATIVE -> message -> "message".equals(message.path("type").asText())
                    ? new Answer((ObjectNode) message, Answers.usageOf(message), null) : null;
            case NONE -> throw new IllegalArgumentException("not translated");
        };
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        HttpClientResponse upstream = exchange.require(RequestContext.UPSTREAM_RESPONSE);
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        List<String> echoes = upstream.headers().getAll(SecurityHeaders.TENANT_ID);
        if (!echoes.isEmpty() && (echoes.size() > 1 || !echoes.get(0).equals(exchange.verifiedTenant()))) {
            // Logged as a security event (with the upstream) when the exchange completes.
            upstream.exceptionHandler(ignored -> { }); // the reset below is ours, not news
            upstream.request().reset();
            return Outcome.rejectNow(GatewayError.of(ErrorCode.ISOLATION_VIOLATION,
                    "The model server's answer could not be verified for this tenant.", "upstream_tenant_mismatch"));
        }

        int status = upstream.statusCode();
        if (status < 200 || (status >= 300 && status < 400)) {
            // a model API never redirects: a Location (perhaps to an internal address) is never passed on
            upstream.exceptionHandler(ignored -> { });
            upstream.request().reset();
            return Outcome.rejectNow(GatewayError.of(ErrorCode.UPSTREAM_PROTOCOL_ERROR,
                    "The model server gave an answer the gateway does not pass on.", "upstream_status_" + status));
        }
        if (status == 401 || status == 403) {
            // the client's own credential was checked here: the upstream refused the platform's (or its absence)
            LOG.warn("upstream {} of pool {} refused the gateway's credential ({}): check the pool's credential",
                    route.upstream().authority(), route.model().pool(), status);
            return Outcome.rejectNow(GatewayError.of(ErrorCode.UPSTREAM_AUTH_FAILED,
                    "The model server refused the gateway's credential.", "upstream_auth_" + status));
        }
        HttpServerResponse client = exchange.request().http().response();
        MultiMap out = client.headers();
        client.setStatusCode(upstream.statusCode());
        HeaderHygiene.copyToClient(upstream.headers(), out);
        SecurityHeaders.apply(out, exchange);
        out.set(H_MODEL, route.model().name());
        String version = upstream.getHeader(H_MODEL_VERSION);
        if (version != null) {
            out.set(H_MODEL_VERSION, version);
        }
        out.add(H_REGION, route.upstream().region());
        long headNanos = exchange.require(RequestContext.UPSTREAM_HEAD_NANOS);
        out.add(H_TIME, Long.toString((headNanos - exchange.startNanos()) / 1_000_000));
        exchange.responseStatus(upstream.statusCode());

        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        long idleMs = snapshot.config().timeouts().idleMs();
        long maxStreamMs = exchange.require(RequestContext.TENANT).tier().maxStreamSeconds() * 1000L;
        UpstreamBody.Prepared prepared = exchange.require(StreamKeys.PREPARED);
        Translation translation = prepared.translation();
        if (!prepared.dropped().isEmpty()) {
            out.set(H_DROPPED, String.join(", ", prepared.dropped())); // what the model's provider had no way to take
        }
        String type = upstream.getHeader("Content-Type");
        int maxBytes = snapshot.config().limits().maxResponseBytes();
        boolean sse = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        Relay relay;
        if (sse && status < 400) {
            exchange.put(RequestContext.STREAMED, Boolean.TRUE);
        }
        if (status >= 400) { // what an upstream says about a failure goes through the scrubber (G08); Forward read it
            String own = exchange.verifiedTenant();
            ErrorAnswer answer = ErrorAnswer.of(status, exchange.get(StreamKeys.ERROR_BODY),
                    word -> !word.equals(own) && snapshot.tenant(word) != null, secrets::redact, translation.anthropicClient());
            Buffer body = Buffer.buffer(answer.body());
            out.set("Content-Type", answer.contentType()).set(H_CONTENT_LENGTH, Integer.toString(body.length()));
            out.remove("Transfer-Encoding");
            return Future.succeededFuture(new Outcome.Respond(new Outcome.Reply.Sent(client.end(body))));
        }
        if (sse && translation != Translation.NONE) {
            client.setChunked(true);
            out.remove(H_CONTENT_LENGTH);
            relay = new TranslatingSseRelay(exchange, upstream, client, idleMs, maxStreamMs, maxBytes, translator(prepared),
                    translation.anthropicClient());
        } else if (sse) {
            client.setChunked(true);
            relay = new SseRelay(exchange, upstream, client, idleMs, maxStreamMs, maxBytes,
                    prepared.clientWantsUsageChunk() || !prepared.streaming());
        } else if (translation != Translation.NONE) {
            relay = new TranslatingJsonRelay(exchange, upstream, client, idleMs, maxStreamMs, maxBytes, answers(translation),
                    translation.anthropicClient());
        } else {
            String length = upstream.getHeader("Content-Length");
            if (length != null) {
                out.add(H_CONTENT_LENGTH, length);
            } else {
                client.setChunked(true);
            }
            boolean json = type != null && type.regionMatches(true, 0, "application/json", 0, 16);
            // a stored object read back (GET /v1/responses/{id}) carries its old usage: never billed again
            boolean billed = exchange.request().operation().inference();
            relay = new JsonRelay(exchange, upstream, client, idleMs, maxStreamMs, maxBytes, json && upstream.statusCode() < 300 && billed);
        }
        return Future.succeededFuture(new Outcome.Respond(new Outcome.Reply.Sent(relay.start())));
    }
}
