package dev.warden.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Ids;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class KeysTest {
    private static KeyHasher hasher() {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        return new KeyHasher(s);
    }

    @Test
    void generatedKeysCarryTheirIdAndAreDistinct() {
        String a = ApiKeyFormat.generate();
        String b = ApiKeyFormat.generate();
        assertThat(a).startsWith("wdn_").isNotEqualTo(b);
        assertThat(ApiKeyFormat.keyId(a)).hasSize(12).isEqualTo(a.substring(4, 16));
    }

    @Test
    void malformedKeysHaveNoId() {
        String good = ApiKeyFormat.generate();
        assertThat(ApiKeyFormat.keyId(good.substring(0, good.length() - 1))).isNull();
        assertThat(ApiKeyFormat.keyId(good + "=")).isNull();
        assertThat(ApiKeyFormat.keyId("sk-" + good)).isNull();
        assertThat(ApiKeyFormat.keyId("wdn_../../x_" + "A".repeat(43))).isNull();
        assertThat(ApiKeyFormat.keyId(null)).isNull();
    }

    @Test
    void hashesAreKeyedAndComparedWhole() {
        KeyHasher h1 = hasher();
        KeyHasher h2 = hasher();
        String key = ApiKeyFormat.generate();
        assertThat(h1.hash(key)).isNotEqualTo(h2.hash(key));
        assertThat(h1.matches(key, h1.hash(key))).isTrue();
        String lastByte = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
        assertThat(h1.matches(lastByte, h1.hash(key))).isFalse();
        assertThat(KeyHasher.isHashText(h1.hashText(key))).isTrue();
        assertThat(KeyHasher.parseHashText(h1.hashText(key))).isEqualTo(h1.hash(key));
        assertThat(h1.toString()).doesNotContain(key).contains("redacted");
    }

    @Test
    void tenantIdGrammarIsStrictAscii() {
        assertThat(Ids.isTenantId("acme")).isTrue();
        assertThat(Ids.isTenantId("a-1")).isTrue();
        for (String bad : new String[] {"", "-a", "a-", "A", "a_b", "a b", "a\u0000", "a%2f", "\u0430cme", "a".repeat(64), "a,b"}) {
            assertThat(Ids.isTenantId(bad)).as(bad).isFalse();
        }
        assertThat(Ids.isModelName("meta-llama/Llama-3.1-8B")).isTrue();
        assertThat(Ids.isModelSegment("meta-llama/Llama-3.1-8B")).isFalse();
        assertThat(Ids.isModelName("a/../b")).isFalse();
        assertThat(Ids.isModelName(".hidden")).isFalse();
    }
}
