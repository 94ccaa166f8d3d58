package dev.warden.bench;

import dev.warden.app.VertxFactory;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor for a Vert.x proxy on this machine: no checks, no pipeline, body buffered and sent,
 * answer piped back. Run beside Warden by {@code bench/run.sh} (row {@code vertx-bare}) to separate
 * what Vert.x itself costs from what Warden's pipeline adds. Not used by the gateway.
 */
public final class BareVertxProxy extends VerticleBase {
    private final int port;
    private final int upstreamPort;
    private HttpClient client;

    BareVertxProxy(int port, int upstreamPort) {
        this.port = port;
        this.upstreamPort = upstreamPort;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        Vertx vertx = VertxFactory.create();
        vertx.deployVerticle(() -> new BareVertxProxy(port, upstream), new DeploymentOptions().setInstances(2))
                .onSuccess(id -> System.out.println("bare proxy on " + port))
                .onFailure(Throwable::printStackTrace);
    }

    @Override
    public Future<?> start() {
        client = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(512)).build();
        return vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true))
                .requestHandler(req -> req.body().onSuccess(body -> client.request(new RequestOptions()
                                .setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(upstreamPort).setURI(req.uri()))
                        .compose(up -> {
                            up.headers().addAll(req.headers());
                            return up.send(body);
                        })
                        .onSuccess(res -> {
                            req.response().setStatusCode(res.statusCode()).headers().addAll(res.headers());
                            res.pipeTo(req.response());
                        })
                        .onFailure(e -> req.response().setStatusCode(502).end())))
                .listen();
    }
}
