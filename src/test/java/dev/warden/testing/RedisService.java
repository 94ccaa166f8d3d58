package dev.warden.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real Redis of this machine (127.0.0.1:6379) for the tests of the {@code redis} limiter
 * store. When it is not reachable, those tests are skipped with a message, unless
 * {@code WARDEN_REQUIRE_SERVICES=1} (as in {@code .ci/run}), where they fail.
 */
public final class RedisService {
    public static final String URL = "redis://127.0.0.1:6379";

    private RedisService() {
    }

    /** Skips (or fails, in CI) the calling test when Redis does not answer PING. */
    public static void require() {
        boolean up;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            up = new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (Exception e) {
            up = false;
        }
        Databases.requireService(up, "Redis", "127.0.0.1:6379", "the tests of the redis limiter store and response cache");
    }

    /** A namespace no other test uses: its keys start empty. */
    public static String freshNamespace() {
        return "t" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    /** The {@code limiter:} block of a config using this Redis under a fresh namespace. */
    public static String limiterYaml(String namespace, int holdTtlSeconds) {
        return "limiter: { store: redis, redis: \"" + URL + "\", namespace: " + namespace + ", holdTtlSeconds: " + holdTtlSeconds + " }\n";
    }
}
