package dev.warden.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.CacheSettings;
import dev.warden.config.CacheStoreSettings;
import dev.warden.testing.RedisService;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both cache stores: per-tenant entries, per-tenant byte limits, expiry, and a corrupt value is a miss. */
class ResponseCacheStoresTest {
    private final Vertx vertx = Vertx.vertx();
    private static final CacheSettings SMALL = new CacheSettings(60, 4096, 2048, 10, false);

    @AfterEach
    void close() throws Exception {
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private static CachedAnswer answer(int size) {
        return new CachedAnswer("application/json", "v1", new byte[size], 3, 4, System.currentTimeMillis(), "eu");
    }

    /** One case against the real Redis: a cache in a fresh namespace, and a plain client to look behind it. */
    private interface RedisCase {
        void run(RedisResponseCache cache, Redis raw, String ns) throws Exception;
    }

    private void onRedis(RedisCase body) throws Exception {
        RedisService.require();
        String ns = RedisService.freshNamespace();
        RedisResponseCache cache = new RedisResponseCache(vertx, new CacheStoreSettings(true, RedisService.URL, ns));
        Redis raw = Redis.createClient(vertx, RedisService.URL);
        try {
            body.run(cache, raw, ns);
        } finally {
            raw.close();
            cache.close();
        }
    }

    private static CachedAnswer get(ResponseCache cache, String tenant, String key) throws Exception {
        return cache.get(tenant, key, SMALL).await(5, TimeUnit.SECONDS);
    }

    @Test
    void anEncodedAnswerDecodesToItselfAndAnythingElseToNothing() {
        CachedAnswer a = new CachedAnswer("application/json; charset=utf-8", null, "{\"x\":1}".getBytes(), 10, 20, 1234, "us");
        CachedAnswer back = CachedAnswer.decode(a.encode());
        assertThat(back.contentType()).isEqualTo(a.contentType());
        assertThat(back.modelVersion()).isNull();
        assertThat(back.body()).isEqualTo(a.body());
        assertThat(back.inputTokens()).isEqualTo(10);
        assertThat(back.outputTokens()).isEqualTo(20);
        assertThat(back.storedAtMs()).isEqualTo(1234);
        assertThat(back.region()).isEqualTo("us");
        assertThat(CachedAnswer.decode("not ours".getBytes())).isNull();
        byte[] cut = Arrays.copyOf(a.encode(), 20);
        assertThat(CachedAnswer.decode(cut)).isNull();
    }

    @Test
    void theLocalStoreKeepsEachTenantWithinItsOwnLimit() throws Exception {
        LocalResponseCache cache = new LocalResponseCache();
        for (int i = 0; i < 10; i++) {
            cache.put("a", "k" + i, answer(1000), SMALL);
        }
        cache.put("b", "k0", answer(1000), SMALL);
        assertThat(cache.weight("a")).isLessThanOrEqualTo(4096);
        assertThat(get(cache, "b", "k0")).as("a's entries never evict b's").isNotNull();
        assertThat(get(cache, "b", "k1")).isNull();
        int kept = 0;
        for (int i = 0; i < 10; i++) {
            kept += get(cache, "a", "k" + i) == null ? 0 : 1;
        }
        assertThat(kept).as("what fits stays (which ones: Caffeine's frequency-based policy)").isBetween(1, 3);
    }

    @Test
    void theRedisStoreKeepsEachTenantWithinItsOwnLimitOldestFirst() throws Exception {
        onRedis((cache, raw, ns) -> {
            for (int i = 0; i < 10; i++) {
                cache.put("a", "k" + i, answer(1000), SMALL);
                Thread.sleep(5); // puts are fire-and-forget: keep their order
            }
            cache.put("b", "k0", answer(1000), SMALL);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (get(cache, "b", "k0") == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long bytes = raw.send(Request.cmd(Command.GET).arg("{" + ns + ":a}:cache:bytes")).await(5, TimeUnit.SECONDS).toLong();
            assertThat(bytes).isBetween(1L, 4096L);
            assertThat(get(cache, "a", "k0")).as("the oldest went first").isNull();
            assertThat(get(cache, "a", "k9")).isNotNull();
            assertThat(get(cache, "a", "k9").outputTokens()).isEqualTo(4);
            assertThat(get(cache, "b", "k0")).as("a's entries never evict b's").isNotNull();
            assertThat(get(cache, "b", "k9")).isNull();
            // a value that is not an answer (corrupt, foreign) is a miss, not an error
            raw.send(Request.cmd(Command.SET).arg("{" + ns + ":a}:cache:junk").arg("garbage")).await(5, TimeUnit.SECONDS);
            assertThat(get(cache, "a", "junk")).isNull();
            long ttl = raw.send(Request.cmd(Command.PTTL).arg("{" + ns + ":a}:cache:k9")).await(5, TimeUnit.SECONDS).toLong();
            assertThat(ttl).as("entries expire with the tier's TTL").isBetween(1L, 60_000L);
        });
    }

    @Test
    void aRedisThatDoesNotKnowTheStoreScriptIsGivenItOnce() throws Exception {
        onRedis((cache, raw, ns) -> {
            // as after a Redis restart (every client that uses scripts reloads them on NOSCRIPT)
            raw.send(Request.cmd(Command.SCRIPT).arg("FLUSH")).await(5, TimeUnit.SECONDS);
            cache.put("a", "k0", answer(100), SMALL);
            cache.put("a", "k1", answer(100), SMALL);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((get(cache, "a", "k0") == null || get(cache, "a", "k1") == null) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(get(cache, "a", "k0")).isNotNull();
            assertThat(get(cache, "a", "k1")).isNotNull();
            assertThat(cache.errors()).isZero();
        });
    }

    @Test
    void anUnreachableRedisIsAMissNotAnError() throws Exception {
        RedisResponseCache cache = new RedisResponseCache(vertx, new CacheStoreSettings(true, "redis://127.0.0.1:1", "x"));
        assertThat(get(cache, "a", "k")).isNull();
        cache.put("a", "k", answer(10), SMALL);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (cache.errors() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(cache.errors()).isEqualTo(2);
        cache.close();
    }
}
