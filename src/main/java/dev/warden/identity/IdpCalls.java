package dev.warden.identity;

import dev.warden.egress.Egress;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;

/**
 * Calls to a tenant's identity provider (key sets, discovery, introspection): the request options
 * for a URL, and a 200 answer read whole but never past a size cap. No redirect is followed.
 */
final class IdpCalls {
    private IdpCalls() {
    }

    /** Options for {@code url} (https, or http to loopback, checked by the caller). */
    static RequestOptions options(String url, int timeoutMs) {
        URI u = URI.create(url);
        boolean tls = "https".equals(u.getScheme());
        return new RequestOptions().setHost(u.getHost()).setPort(u.getPort() > 0 ? u.getPort() : tls ? 443 : 80).setSsl(tls)
                .setURI((u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()))
                .setTimeout(timeoutMs).setFollowRedirects(false).putHeader("Accept", "application/json");
    }

    /**
     * Sends and reads a 200 answer of at most {@code maxBytes}; fails with {@code failure} + a short
     * cause otherwise. The URL is checked against {@code egress} again (it may have been stored
     * under another policy), the host is resolved (on a worker) and every address it resolves to is
     * checked ({@link Egress#checked}): a name that resolves to the metadata service, a private
     * network the policy closes, or rebinds to this machine is refused at connect time, whatever it
     * looked like when it was written. The request then goes to the checked address (the host name
     * still sent as Host and for TLS).
     */
    static Future<Buffer> call(HttpClient client, Egress egress, String url, RequestOptions opts, Buffer body, int maxBytes, String failure) {
        if (!egress.allows(url)) {
            return Future.failedFuture(failure + "_egress_refused");
        }
        String host = opts.getHost();
        Context context = Vertx.currentContext();
        Future<InetAddress> checked = context == null ? Future.failedFuture("no context")
                : context.executeBlocking(() -> egress.resolve(host), false);
        return checked.transform(ar -> ar.failed()
                ? Future.failedFuture(failure + (ar.cause() instanceof IOException && "egress refused".equals(ar.cause().getMessage())
                        ? "_egress_refused" : "_unavailable"))
                : send(client, opts.setServer(SocketAddress.inetSocketAddress(opts.getPort(), ar.result().getHostAddress())),
                        body, maxBytes, failure));
    }

    private static Future<Buffer> send(HttpClient client, RequestOptions opts, Buffer body, int maxBytes, String failure) {
        Promise<Buffer> promise = Promise.promise();
        client.request(opts).compose(req -> body == null ? req.send() : req.send(body)).onComplete(ar -> {
            if (ar.failed()) {
                promise.fail(failure + "_unavailable");
                return;
            }
            var res = ar.result();
            if (res.statusCode() != 200) {
                res.request().connection().close();
                promise.fail(failure + "_status_" + res.statusCode());
                return;
            }
            Buffer received = Buffer.buffer();
            res.handler(chunk -> {
                if (received.length() + chunk.length() > maxBytes) {
                    promise.tryFail(failure + "_too_large");
                    res.request().connection().close();
                } else {
                    received.appendBuffer(chunk);
                }
            });
            res.endHandler(v -> promise.tryComplete(received));
            res.exceptionHandler(e -> promise.tryFail(failure + "_unavailable"));
        });
        return promise.future();
    }
}
