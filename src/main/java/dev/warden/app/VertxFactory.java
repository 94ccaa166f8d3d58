package dev.warden.app;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** The one way Warden makes its Vert.x instance: native epoll transport when the platform has it. */
public final class VertxFactory {
    private VertxFactory() {
    }

    public static Vertx create() {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        if (!vertx.isNativeTransportEnabled()) {
            org.slf4j.LoggerFactory.getLogger(VertxFactory.class).info("native transport unavailable, using NIO: {}",
                    String.valueOf(vertx.unavailableNativeTransportCause()));
        }
        return vertx;
    }
}
