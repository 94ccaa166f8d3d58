package dev.warden.app;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.LoggerFactory;

/** The one way Warden makes its Vert.x instance: native epoll transport when the platform has it. */
public final class VertxFactory {
    private VertxFactory() {
    }

    public static Vertx create() {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        if (!vertx.isNativeTransportEnabled()) {
            LoggerFactory.getLogger(VertxFactory.class).info("native transport unavailable, using NIO: {}",
                    String.valueOf(vertx.unavailableNativeTransportCause()));
        }
        return vertx;
    }
}
