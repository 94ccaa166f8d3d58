package dev.warden.admission.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.redis.RedisScript;
import dev.warden.testing.RedisService;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code debit.lua}, what a replica's admissions during an outage cost the shared bucket when Redis
 * answers again: all of it, as if it had come at once, past an empty bucket too (a saturated
 * tenant's bucket is always empty: capping the debit there forgave every admission of the outage).
 */
class OutageDebitScriptTest {
    private Vertx vertx;
    private Redis redis;
    private String key;

    @BeforeEach
    void start() throws Exception {
        RedisService.require();
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, RedisService.URL);
        key = "{" + RedisService.freshNamespace() + ":acme}:q:acme";
        for (RedisScript s : LimiterScripts.ALL) {
            send(s.load());
        }
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Response send(Request r) throws Exception {
        return redis.send(r).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private long nowUs() throws Exception {
        Response t = send(Request.cmd(Command.TIME));
        return t.get(0).toLong() * 1_000_000 + t.get(1).toLong();
    }

    private long backlogUs() throws Exception {
        return send(Request.cmd(Command.GET).arg(key)).toLong() - nowUs();
    }

    @Test
    void whatAnOutageAdmittedIsChargedInFullEvenPastAnEmptyBucket() throws Exception {
        long tolerance = 10_000_000; // a burst of 10 at one a second
        send(Request.cmd(Command.SET).arg(key).arg(Long.toString(nowUs() + tolerance)).arg("PX").arg("60000")); // empty: saturated
        send(LimiterScripts.DEBIT.call(List.of(key), List.of("5000000", Long.toString(tolerance)))); // 5 admitted while away
        assertThat(backlogUs()).as("an empty bucket plus the 5 s the outage's admissions take to drain")
                .isBetween(tolerance + 4_900_000, tolerance + 5_000_000);
    }

    @Test
    void aBucketWithRoomIsChargedWhatWasAdmitted() throws Exception {
        send(LimiterScripts.DEBIT.call(List.of(key), List.of("2000000", "10000000"))); // a full bucket, 2 admitted while away
        assertThat(backlogUs()).as("2 s of the burst used, 8 left").isBetween(1_900_000L, 2_000_000L);
    }
}
