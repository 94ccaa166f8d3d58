package dev.warden.proxy;

import dev.warden.config.Snapshot;
import dev.warden.config.Timeouts;
import dev.warden.pipeline.ErrorCode;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.GatewayError;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.tenant.RequestContext;
import dev.warden.tenant.SelectedRoute;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forward: sends the request to the chosen upstream over the pooled client and waits for the
 * response head (bounded by the connect and first-byte timeouts). The response body stays paused
 * for Respond, which checks it and streams it to the client. Redirects are never followed.
 */
public final class ForwardStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardStage.class);

    private final Vertx vertx;
    private final HttpClient client;

    public ForwardStage(Vertx vertx, HttpClient client) {
        this.vertx = vertx;
        this.client = client;
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation operation = exchange.request().operation();
        SelectedRoute route = exchange.require(RequestContext.ROUTE);
        UpstreamBody.Prepared prepared = UpstreamBody.prepare(operation, exchange.get(RequestContext.BODY),
                exchange.get(RequestContext.JSON), route.model(), exchange.require(RequestContext.TENANT));
        if (prepared.error() != null) {
            return Outcome.rejectNow(prepared.error());
        }
        exchange.put(StreamKeys.PREPARED, prepared);
        Timeouts timeouts = exchange.require(RequestContext.SNAPSHOT).config().timeouts();

        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(route.upstream().host())
                .setPort(route.upstream().port())
                .setSsl(route.upstream().tls())
                .setURI(route.path())
                .setFollowRedirects(false)
                .setConnectTimeout(timeouts.connectMs());

        Promise<Outcome> outcome = Promise.promise();
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                outcome.complete(Outcome.reject(failure(ar.cause(), false, route)));
                return;
            }
            HttpClientRequest request = ar.result();
            MultiMap headers = request.headers();
            HeaderHygiene.copyToUpstream(exchange.request().headers(), headers);
            setGatewayHeaders(headers, exchange, route);
            headers.set("Content-Length", Integer.toString(prepared.body().length()));
            exchange.put(StreamKeys.UPSTREAM_REQUEST, request);

            boolean[] timedOut = {false};
            long timer = vertx.setTimer(timeouts.firstByteMs(), id -> {
                timedOut[0] = true;
                request.reset(0, new TimeoutException("first byte"));
            });
            request.send(prepared.body()).onComplete(sent -> {
                vertx.cancelTimer(timer);
                if (sent.failed()) {
                    outcome.complete(Outcome.reject(failure(sent.cause(), timedOut[0], route)));
                    return;
                }
                HttpClientResponse response = sent.result();
                response.pause();
                exchange.put(RequestContext.UPSTREAM_RESPONSE, response);
                exchange.put(RequestContext.UPSTREAM_HEAD_NANOS, System.nanoTime());
                outcome.complete(Outcome.CONTINUE);
            });
        });
        return outcome.future();
    }

    @Override
    public void onComplete(Exchange exchange, dev.warden.pipeline.Completion completion) {
        // If the client went away or the relay failed, do not leave the upstream generating.
        HttpClientRequest request = exchange.get(StreamKeys.UPSTREAM_REQUEST);
        if (request != null && completion.aborted()) {
            request.reset();
        }
    }

    private static void setGatewayHeaders(MultiMap headers, Exchange exchange, SelectedRoute route) {
        String client = exchange.request().remoteAddress();
        headers.set("Host", route.upstream().authority());
        headers.set("X-Tenant-ID", exchange.verifiedTenant());
        headers.set("X-Request-ID", exchange.requestId());
        headers.set("X-Warden-Principal", exchange.require(RequestContext.PRINCIPAL).subject());
        headers.set("X-Warden-Region", route.upstream().region());
        headers.set("X-Forwarded-For", client);
        headers.set("X-Forwarded-Proto", "http");
        headers.set("Forwarded", "for=\"" + client + "\";proto=http");
        if (!headers.contains("Content-Type")) {
            headers.set("Content-Type", "application/json");
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
