package dev.warden.admission.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.redis.RedisScript;
import dev.warden.testing.RedisService;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The limiter store's scripts against this machine's Redis. {@code lease.lua}: a slice is taken
 * from a GCRA bucket (never more than its room) and given back (never below now); the seats a
 * lease holds are Redis's word, so an answer the replica never saw leaks nothing; a lease that
 * expired gives its seats back to the next admission. Its account holds: never more than the
 * account has left, use reported once however often it is sent, an expired hold counted as spent
 * (and the late report of a replica that was only cut off not counted again). {@code debit.lua}, what a replica's
 * admissions during an outage cost the shared bucket when Redis answers again: all of it, as if it
 * had come at once, past an empty bucket too (a saturated tenant's bucket is always empty: capping
 * the debit there forgave every admission of the outage).
 */
class LimiterScriptTest {
    private Vertx vertx;
    private Redis redis;
    private String prefix;
    /** The bucket the debit tests charge. */
    private String bucket;
    /** The budget account the lease tests hold on. */
    private String account;

    @BeforeEach
    void start() throws Exception {
        RedisService.require();
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, RedisService.URL);
        prefix = "{" + RedisService.freshNamespace() + ":acme}:";
        bucket = prefix + "q:acme";
        account = prefix + "b:micros:day:0";
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

    /** One lease call: seats wanted under a limit, and per bucket (interval us, tolerance us, change). */
    private Response lease(String id, long ttlMs, int limit, int wanted, double... buckets) throws Exception {
        return lease(id, ttlMs, limit, wanted, buckets, new long[0]);
    }

    /**
     * One lease call with account holds too: per account of {@link #account} (limit, hold wanted,
     * spent so far). Answers {member, seats, 2 per bucket, 2 per account (held, unreserved)}.
     */
    private Response lease(String id, long ttlMs, int limit, int wanted, double[] buckets, long[] accounts) throws Exception {
        List<String> keys = new ArrayList<>(List.of(prefix + "c", prefix + "h", prefix + "l"));
        List<String> args = new ArrayList<>(List.of(Long.toString(ttlMs), id, Integer.toString(limit), Integer.toString(wanted),
                Integer.toString(buckets.length / 3)));
        for (int i = 0; i < buckets.length; i += 3) {
            keys.add(prefix + "q:b" + i);
            args.add(Double.toString(buckets[i]));
            args.add(Double.toString(buckets[i + 1]));
            args.add(Long.toString((long) buckets[i + 2]));
        }
        args.add(Integer.toString(accounts.length / 3));
        for (long a : accounts) {
            if (keys.size() < 3 + buckets.length / 3 + accounts.length / 3) {
                keys.add(account);
            }
            args.add(Long.toString(a));
        }
        return send(LimiterScripts.LEASE.call(keys, args));
    }

    /** A lease call on {@link #account} alone (limit 100): the hold wanted and the use spent so far. */
    private Response money(String id, long ttlMs, long want, long spent) throws Exception {
        return lease(id, ttlMs, 0, 0, new double[0], new long[] {100, want, spent});
    }

    /** The account's used and reserved (u, r). */
    private long[] accountState() throws Exception {
        Response u = send(Request.cmd(Command.HGET).arg(account).arg("u"));
        Response r = send(Request.cmd(Command.HGET).arg(account).arg("r"));
        return new long[] {u == null ? -1 : u.toLong(), r == null ? 0 : r.toLong()};
    }

    private long inFlight() throws Exception {
        Response r = send(Request.cmd(Command.GET).arg(prefix + "c"));
        return r == null ? 0 : r.toLong();
    }

    @Test
    void aSliceIsTakenFromTheBucketAndNeverMoreThanItsRoom() throws Exception {
        // 1 unit per 100 ms, a burst of 10 (tolerance 1 s): 6 taken, then only the 4 left (slow enough that
        // what refills while the test runs stays under one unit)
        Response first = lease("r1-1", 60_000, 0, 0, 100_000, 1_000_000, 6);
        assertThat(first.get(2).toLong()).isEqualTo(6);
        Response second = lease("r2-1", 60_000, 0, 0, 100_000, 1_000_000, 6);
        assertThat(second.get(2).toLong()).as("the other replica gets what is left, not 6").isBetween(4L, 5L);
        Response third = lease("r2-1", 60_000, 0, 0, 100_000, 1_000_000, 6);
        assertThat(third.get(2).toLong()).as("empty: only what refilled meanwhile").isLessThanOrEqualTo(1);
        Response back = lease("r1-1", 60_000, 0, 0, 100_000, 1_000_000, -6);
        assertThat(back.get(2).toLong()).as("given back").isEqualTo(-6);
        assertThat(lease("r2-1", 60_000, 0, 0, 100_000, 1_000_000, 6).get(2).toLong()).as("room again").isGreaterThanOrEqualTo(6);
    }

    @Test
    void theSeatsALeaseHoldsAreRedisesWordSoALostAnswerLeaksNothing() throws Exception {
        assertThat(lease("r1-1", 60_000, 10, 3).get(1).toInteger()).isEqualTo(3);
        assertThat(inFlight()).isEqualTo(3);
        lease("r1-1", 60_000, 10, 7); // its answer lost: the replica still believes 3
        assertThat(lease("r1-1", 60_000, 10, 2).get(1).toInteger()).as("shrunk from what Redis holds (7), not from 3").isEqualTo(2);
        assertThat(inFlight()).as("no seat left behind by the lost answer").isEqualTo(2);
        assertThat(send(Request.cmd(Command.ZCARD).arg(prefix + "h")).toInteger()).as("one hold for the lease").isEqualTo(1);
        assertThat(lease("r2-1", 60_000, 10, 9).get(1).toInteger()).as("another replica gets the rest of the limit").isEqualTo(8);
        assertThat(lease("r1-1", 60_000, 10, 0).get(1).toInteger()).isZero();
        assertThat(inFlight()).isEqualTo(8);
    }

    @Test
    void anExpiredLeaseGivesItsSeatsBack() throws Exception {
        assertThat(lease("dead-1", 50, 4, 4).get(1).toInteger()).isEqualTo(4); // a replica that will never renew
        assertThat(lease("r2-1", 60_000, 4, 1).get(1).toInteger()).as("all 4 held").isZero();
        Thread.sleep(120);
        assertThat(lease("r2-1", 60_000, 4, 2).get(1).toInteger()).as("the dead lease's seats are back").isEqualTo(2);
        assertThat(inFlight()).isEqualTo(2);
    }

    @Test
    void anAccountHoldIsReservedAndItsUseReportedOnceEvenIfSentTwice() throws Exception {
        send(Request.cmd(Command.HSET).arg(account).arg("u").arg("0").arg("r").arg("0"));
        Response first = money("r1-1", 60_000, 40, 0);
        assertThat(first.get(2).toLong()).as("held").isEqualTo(40);
        assertThat(first.get(3).toLong()).as("unreserved after").isEqualTo(60);
        assertThat(first.get(0).toString()).as("one member holds it, expiring as spent").isEqualTo("r1-1|0;" + account + "~40~0");
        Response report = money("r1-1", 60_000, 40, 15); // 15 spent on the hold; topped up to 40 again
        assertThat(accountState()).as("use moved from the hold, the hold topped up").containsExactly(15, 40);
        assertThat(report.get(3).toLong()).isEqualTo(45);
        money("r1-1", 60_000, 40, 15); // the same report again (its answer was lost): counted once
        assertThat(accountState()).containsExactly(15, 40);
        assertThat(money("r1-1", 60_000, 0, 20).get(0).toString()).as("given back with the last use: nothing held").isEmpty();
        assertThat(accountState()).containsExactly(20, 0);
        assertThat(send(Request.cmd(Command.ZCARD).arg(prefix + "h")).toInteger()).isZero();
        assertThat(send(Request.cmd(Command.EXISTS).arg(prefix + "l")).toInteger()).as("no lease left in the hash").isZero();
    }

    @Test
    void aHoldIsNeverMoreThanTheAccountHasLeft() throws Exception {
        send(Request.cmd(Command.HSET).arg(account).arg("u").arg("70").arg("r").arg("0"));
        assertThat(money("r1-1", 60_000, 20, 0).get(2).toLong()).isEqualTo(20);
        Response other = money("r2-1", 60_000, 20, 0);
        assertThat(other.get(2).toLong()).as("the other replica gets what is left").isEqualTo(10);
        assertThat(other.get(3).toLong()).isZero();
        Response overspent = money("r1-1", 60_000, 20, 25); // a request used more than its worst case: all of it counts
        assertThat(overspent.get(2).toLong()).as("nothing left to hold").isZero();
        assertThat(accountState()).as("u 70 + 25; r: r2's 10 (r1's 20 went to use)").containsExactly(95, 10);
        assertThat(overspent.get(3).toLong()).isEqualTo(-5);
    }

    @Test
    void anExpiredLeasesAccountHoldCountsAsSpentAndItsLateReportIsNotCountedAgain() throws Exception {
        send(Request.cmd(Command.HSET).arg(account).arg("u").arg("0").arg("r").arg("0"));
        assertThat(money("dead-1", 50, 40, 0).get(2).toLong()).isEqualTo(40); // a replica that stops renewing
        Thread.sleep(120);
        money("r2-1", 60_000, 10, 0); // the next call gives the expired holds back: as spent, not as free
        assertThat(accountState()).as("the dead lease's 40 counted as used").containsExactly(40, 10);
        Response late = money("dead-1", 60_000, 5, 30); // it was only partitioned: its report comes after the expiry
        assertThat(accountState()).as("its 30 were in the 40 already counted; its new hold is 5").containsExactly(40, 15);
        assertThat(late.get(2).toLong()).isEqualTo(5);
    }

    @Test
    void anAccountRedisLostIsAnsweredSoItsBaselineIsReadAgain() throws Exception {
        Response r = money("r1-1", 60_000, 40, 0);
        assertThat(r.get(2).toLong()).isEqualTo(-1);
        assertThat(send(Request.cmd(Command.EXISTS).arg(account)).toInteger()).as("nothing created without a baseline").isZero();
        assertThat(r.get(0).toString()).isEmpty();
    }

    @Test
    void seatsAndAccountHoldsAreOneMemberAndExpireTogether() throws Exception {
        send(Request.cmd(Command.HSET).arg(account).arg("u").arg("0").arg("r").arg("0"));
        Response r = lease("dead-1", 50, 4, 2, new double[0], new long[] {100, 30, 0});
        assertThat(r.get(0).toString()).isEqualTo("dead-1|2;" + account + "~30~0");
        assertThat(inFlight()).isEqualTo(2);
        Thread.sleep(120);
        assertThat(lease("r2-1", 60_000, 4, 4).get(1).toInteger()).as("the seats are back").isEqualTo(4);
        assertThat(accountState()).as("the hold counted as spent").containsExactly(30, 0);
        assertThat(send(Request.cmd(Command.HEXISTS).arg(prefix + "l").arg("dead-1")).toInteger()).as("the dead lease forgotten").isZero();
    }

    private long nowUs() throws Exception {
        Response t = send(Request.cmd(Command.TIME));
        return t.get(0).toLong() * 1_000_000 + t.get(1).toLong();
    }

    /** The backlog of the debit tests' bucket (us). */
    private long backlogUs() throws Exception {
        return send(Request.cmd(Command.GET).arg(bucket)).toLong() - nowUs();
    }

    @Test
    void whatAnOutageAdmittedIsChargedInFullEvenPastAnEmptyBucket() throws Exception {
        long tolerance = 10_000_000; // a burst of 10 at one a second
        send(Request.cmd(Command.SET).arg(bucket).arg(Long.toString(nowUs() + tolerance)).arg("PX").arg("60000")); // empty: saturated
        send(LimiterScripts.DEBIT.call(List.of(bucket), List.of("5000000", Long.toString(tolerance)))); // 5 admitted while away
        assertThat(backlogUs()).as("an empty bucket plus the 5 s the outage's admissions take to drain")
                .isBetween(tolerance + 4_900_000, tolerance + 5_000_000);
    }

    @Test
    void aBucketWithRoomIsChargedWhatWasAdmitted() throws Exception {
        send(LimiterScripts.DEBIT.call(List.of(bucket), List.of("2000000", "10000000"))); // a full bucket, 2 admitted while away
        assertThat(backlogUs()).as("2 s of the burst used, 8 left").isBetween(1_900_000L, 2_000_000L);
    }
}
