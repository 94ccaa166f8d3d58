package dev.warden.body;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.vertx.core.buffer.Buffer;

/**
 * Fuzz target ({@code ParsersFuzzTest}): the request-body reading admission relies on (strict JSON,
 * depth, duplicate names, UTF-8, reserved fields) on any bytes. Never throws: a body is read or
 * refused with a 4xx problem.
 */
public final class JsonBodiesTarget {
    private JsonBodiesTarget() {
    }

    public static void fuzz(FuzzedDataProvider data) {
        int depth = data.consumeInt(1, 64);
        byte[] body = data.consumeRemainingAsBytes();
        JsonBodies.Parsed p = JsonBodies.parse(Buffer.buffer(body), depth, 1 << 20);
        assertThat(p).isNotNull();
        assertThat(p.body() == null).as("read or refused, never both").isEqualTo(p.error() != null);
        if (p.error() != null) {
            assertThat(p.error().status()).as(p.error().toString()).isBetween(400, 499);
        }
    }
}
