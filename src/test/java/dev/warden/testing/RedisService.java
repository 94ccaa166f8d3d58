package dev.warden.testing;

import dev.warden.config.Budget;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
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

    /**
     * What the limiter store has counted on a tenant's day budget today: used (u, -1 if Redis has no
     * such account) and reserved (r).
     */
    public static long[] dayBudget(String namespace, String tenant) throws Exception {
        String key = "{" + namespace + ":" + tenant + "}:b:micros:day:" + Budget.Period.DAY.startMs(System.currentTimeMillis());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("*4\r\n$5\r\nHMGET\r\n$" + key.length() + "\r\n" + key + "\r\n$1\r\nu\r\n$1\r\nr\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            in.readLine(); // *2
            long[] values = new long[2];
            for (int i = 0; i < 2; i++) {
                String length = in.readLine();
                values[i] = length.equals("$-1") ? (i == 0 ? -1 : 0) : Long.parseLong(in.readLine());
            }
            return values;
        }
    }

    /** The {@code limiter:} block of a config using this Redis under a fresh namespace. */
    public static String limiterYaml(String namespace, int holdTtlSeconds) {
        return "limiter: { store: redis, redis: \"" + URL + "\", namespace: " + namespace + ", holdTtlSeconds: " + holdTtlSeconds + " }\n";
    }
}
