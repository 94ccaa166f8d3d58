package dev.warden.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP relay to a real service (a fault at the edge of the network, not a fake of it):
 * {@link #cut()} closes the listener and every relayed connection, as if the service died;
 * {@link #stall()} keeps every connection open but relays nothing more, as if the service hung;
 * {@link #deafen()} relays requests but loses the answers (a write that happened, unconfirmed);
 * {@link #restore()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final String targetHost;
    private final int targetPort;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private NetServer server;
    private int port;
    private volatile boolean stalled;
    private volatile boolean deaf;

    public TcpProxy(String targetHost, int targetPort) throws Exception {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        restore();
    }

    public int port() {
        return port;
    }

    /** Listens (again) and relays each connection to the target. */
    public void restore() throws Exception {
        deaf = false;
        if (port == 0) { // first listen: a port below the ephemeral range, so a restore never finds it taken by an outgoing socket
            for (int attempt = 0; ; attempt++) {
                int candidate = 10_000 + ThreadLocalRandom.current().nextInt(8_000);
                server = relayServer();
                try {
                    server.listen(candidate, "127.0.0.1").await(5, TimeUnit.SECONDS);
                    port = candidate;
                    return;
                } catch (Exception e) {
                    server.close();
                    if (attempt == 20) {
                        throw e;
                    }
                }
            }
        }
        server = relayServer();
        server.listen(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
    }

    private NetServer relayServer() {
        return vertx.createNetServer().connectHandler(in -> {
            in.pause();
            open.add(in);
            vertx.createNetClient().connect(targetPort, targetHost).onComplete(ar -> {
                if (ar.failed()) {
                    in.close();
                    return;
                }
                NetSocket out = ar.result();
                open.add(out);
                in.handler(out::write);
                out.handler(b -> {
                    if (!deaf) {
                        in.write(b);
                    }
                });
                in.closeHandler(v -> out.close());
                out.closeHandler(v -> in.close());
                if (stalled) {
                    out.pause();
                } else {
                    in.resume();
                }
            });
        });
    }

    /** The service hangs: connections stay open (and new ones are accepted) but nothing more is relayed either way. */
    public void stall() {
        stalled = true;
        open.forEach(NetSocket::pause);
    }

    /** The service still gets every request and acts on it, but its answers are lost on the way back (until {@link #restore}). */
    public void deafen() {
        deaf = true;
    }

    /** The service is gone: no listener, every connection closed. */
    public void cut() throws Exception {
        server.close().await(5, TimeUnit.SECONDS);
        for (NetSocket s : open) {
            s.close();
        }
        open.clear();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
