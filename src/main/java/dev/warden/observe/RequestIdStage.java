package dev.warden.observe;

import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every request a fresh id (128 random bits, 32 hex digits, the shape of a W3C trace id).
 * A client's own {@code X-Request-ID} is never trusted: it could collide with or impersonate
 * another request in logs and audit.
 */
public final class RequestIdStage implements Stage {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    @Override
    public String name() {
        return "request-id";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        exchange.requestId(next());
        return Outcome.continueNow();
    }

    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[32];
        long a = r.nextLong();
        long b = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}
