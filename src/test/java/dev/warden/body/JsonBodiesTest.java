package dev.warden.body;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonBodiesTest {
    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void acceptsWellFormedUtf8() {
        assertThat(JsonBodies.validUtf8("plain ascii".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(JsonBodies.validUtf8("é 中 😀 \u007f".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(JsonBodies.validUtf8(bytes(0xf4, 0x8f, 0xbf, 0xbf))).isTrue(); // U+10FFFF
    }

    @Test
    void refusesOverlongSurrogatesTruncationAndStrayBytes() {
        assertThat(JsonBodies.validUtf8(bytes(0xc0, 0xaf))).isFalse();              // overlong '/'
        assertThat(JsonBodies.validUtf8(bytes(0xe0, 0x80, 0xae))).isFalse();        // overlong '.'
        assertThat(JsonBodies.validUtf8(bytes(0xed, 0xa0, 0x80))).isFalse();        // U+D800
        assertThat(JsonBodies.validUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).isFalse();  // > U+10FFFF
        assertThat(JsonBodies.validUtf8(bytes(0x61, 0xe4, 0xb8))).isFalse();        // truncated
        assertThat(JsonBodies.validUtf8(bytes(0xff))).isFalse();
        assertThat(JsonBodies.validUtf8(bytes(0x80))).isFalse();
    }

    @Test
    void parsesObjectsAndRefusesTheRest() {
        assertThat(JsonBodies.parse(Buffer.buffer("{\"model\":\"m\",\"x\":[1]}"), 8, 1024).body().model()).isEqualTo("m");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"a\":1}{}"), 8, 1024).error().reason()).isEqualTo("json_trailing");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"metadata\":{\"tenantId\":\"b\"}}"), 8, 1024).error().reason()).isEqualTo("reserved_field");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"x\":{\"a\":1,\"a\":2}}"), 8, 1024).error().reason()).isEqualTo("json_invalid");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"a\":[[[[[[[[[1]]]]]]]]]}"), 8, 1024).error().reason()).isEqualTo("json_invalid");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"model\":\"a\",\"model\":\"b\"}"), 8, 1024).error().reason()).isEqualTo("json_invalid");
        assertThat(JsonBodies.parse(Buffer.buffer("{\"tenant\":\"x\"}"), 8, 1024).error().reason()).isEqualTo("reserved_field");
        assertThat(JsonBodies.parse(Buffer.buffer(bytes(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d)), 8, 1024)
                .error().reason()).isEqualTo("json_bad_utf8");
    }
}
