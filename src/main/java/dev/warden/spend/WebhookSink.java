package dev.warden.spend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.egress.Egress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each newly raised alert as JSON to every configured webhook: 5 s timeout, up to three
 * attempts (1 s, then 4 s apart). A webhook that still fails is logged and counted
 * ({@code warden_alert_webhook_failures_total}); the alert stays listed in the admin API.
 */
public final class WebhookSink implements AlertMonitor.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long[] BACKOFF_MS = {1000, 4000};

    private final Vertx vertx;
    private final HttpClient client;
    private final List<String> urls;
    private volatile Counter sent;
    private volatile Counter failed;

    public WebhookSink(Vertx vertx, List<String> urls) {
        this.vertx = vertx;
        this.urls = List.copyOf(urls);
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000).setIdleTimeout(30));
        bindMetrics(new SimpleMeterRegistry());
    }

    /** Publishes the delivery counters in the gateway's registry. */
    public void bindMetrics(MeterRegistry registry) {
        sent = Counter.builder("warden_alert_webhook_sent_total").description("Alerts delivered to webhooks").register(registry);
        failed = Counter.builder("warden_alert_webhook_failures_total").description("Alerts a webhook did not accept after retries").register(registry);
    }

    @Override
    public void raised(Alert alert) {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("alert", MAPPER.valueToTree(alert));
        body.put("raisedAt", Instant.ofEpochMilli(alert.raisedAtMs()).toString());
        Buffer payload = Buffer.buffer(body.toString());
        for (String url : urls) {
            attempt(URI.create(url), payload, 0);
        }
    }

    private void attempt(URI url, Buffer payload, int n) {
        boolean tls = "https".equals(url.getScheme());
        RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost())
                .setPort(url.getPort() > 0 ? url.getPort() : tls ? 443 : 80).setSsl(tls)
                .setURI((url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
                .setTimeout(5000).putHeader("Content-Type", "application/json").putHeader("User-Agent", "warden-alerts");
        // Resolved on a worker and every address checked (never the metadata service, whatever
        // the name now resolves to); the request goes to the checked address.
        vertx.executeBlocking(() -> Egress.OPERATOR.resolve(url.getHost()), false)
                .compose(address -> client.request(opts.setServer(SocketAddress.inetSocketAddress(opts.getPort(), address.getHostAddress()))))
                .compose(req -> req.send(payload)).onComplete(ar -> {
            int status = ar.succeeded() ? ar.result().statusCode() : 0;
            if (ar.succeeded()) {
                ar.result().body();
            }
            if (status >= 200 && status < 300) {
                sent.increment();
            } else if (n < BACKOFF_MS.length) {
                vertx.setTimer(BACKOFF_MS[n], t -> attempt(url, payload, n + 1));
            } else {
                failed.increment();
                LOG.warn("alert webhook {} failed after {} attempts ({})", url.getHost(), n + 1,
                        ar.succeeded() ? "status " + status : ar.cause().getClass().getSimpleName());
            }
        });
    }

    public void close() {
        client.close();
    }
}
