package dev.warden.jobs;

import dev.warden.config.Budget;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.LedgerWriter;
import dev.warden.store.JobStore;
import dev.warden.store.StoredJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The long-running jobs every replica sees, over the control store. Every call is JDBC, so it runs
 * on a worker thread and answers with a future: nothing here blocks an event loop. A job's
 * renewal secret is made here, handed out once (to the job service) and kept only as a keyed hash.
 */
public final class JobRegistry {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private final Vertx vertx;
    private final JobStore store;
    private final KeyHasher hasher;
    private final LedgerWriter ledger;

    /** {@code ledger}: where jobs' charges are written (and flushed before a quota is read). */
    public JobRegistry(Vertx vertx, JobStore store, KeyHasher hasher, LedgerWriter ledger) {
        this.vertx = vertx;
        this.store = store;
        this.hasher = hasher;
        this.ledger = ledger;
    }

    /** A new job id: {@code job_} and 26 base32 characters (130 random bits). */
    static String newId() {
        StringBuilder id = new StringBuilder("job_");
        for (int i = 0; i < 26; i++) {
            id.append(BASE32[RANDOM.nextInt(32)]);
        }
        return id.toString();
    }

    /** A new renewal secret: {@code wjs_} and 256 random bits, base64url. */
    static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "wjs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    String hashSecret(String secret) {
        return hasher.hashText(secret);
    }

    /** Whether {@code secret} is the job's (constant time over the keyed hashes). */
    public boolean secretMatches(StoredJob job, String secret) {
        return hasher.matches(secret, KeyHasher.parseHashText(job.secretHash()));
    }

    /** The same work as a real check, for an unknown job id: the answer's timing does not tell. */
    public void burnSecretCheck(String secret) {
        hasher.matches(secret, new byte[32]);
    }

    /** Stores a new job if {@code admission} allows it (after the ledger has written what jobs ran, so the quotas see it). */
    Future<JobStore.Admitted> admit(StoredJob job, JobStore.Admission admission) {
        return blocking(() -> {
            if (!ledger.flush(5_000)) {
                throw new IllegalStateException("ledger not flushed");
            }
            long now = System.currentTimeMillis();
            return store.admit(job, Budget.Period.DAY.startMs(now), Budget.Period.MONTH.startMs(now), admission);
        });
    }

    /** Starts the jobs of {@code pool} that {@code starter} picks, one replica at a time. */
    Future<List<StoredJob>> start(String pool, long sinceMs, JobStore.Starter starter) {
        return blocking(() -> store.start(pool, sinceMs, System.currentTimeMillis(), starter));
    }

    Future<List<StoredJob>> ofPool(String pool, long sinceMs) {
        return blocking(() -> store.ofPool(pool, sinceMs));
    }

    Future<List<String>> activePools() {
        return blocking(store::activePools);
    }

    /**
     * Records a charge of a running job and writes its ledger row (only if it is news: a repeated
     * or late report changes nothing). True if it was recorded.
     */
    Future<Boolean> charge(StoredJob job, JobMeter.Charge charge) {
        if (!charge.any()) {
            return Future.succeededFuture(false);
        }
        return blocking(() -> {
            long now = System.currentTimeMillis();
            boolean recorded = store.report(job.tenantId(), job.id(), job.run().usedGpuMs(), charge.usedGpuMs(), charge.chargedMicros(), now);
            if (recorded) {
                ledger.record(JobMeter.row(job, charge, now));
            }
            return recorded;
        });
    }

    Future<Optional<StoredJob>> find(String tenantId, String jobId) {
        return blocking(() -> store.find(tenantId, jobId));
    }

    Future<List<StoredJob>> list(String tenantId, String subjectOrNull) {
        return blocking(() -> store.list(tenantId, subjectOrNull));
    }

    /** Moves an unfinished job on; false if it had finished already. */
    public Future<Boolean> update(StoredJob job, String state, String upstreamJobId, String reason) {
        return blocking(() -> store.update(job.tenantId(), job.id(), state, upstreamJobId, reason, System.currentTimeMillis()));
    }

    /** For the renewal endpoint only: the job by id, whatever its tenant (the secret proves the caller). */
    public Future<Optional<StoredJob>> forRenewal(String jobId) {
        return blocking(() -> store.forRenewal(jobId));
    }

    /** Counts a renewal; false if the job finished meanwhile. */
    public Future<Boolean> recordRenewal(StoredJob job) {
        return blocking(() -> store.recordRenewal(job.tenantId(), job.id(), System.currentTimeMillis()));
    }

    private <T> Future<T> blocking(Callable<T> call) {
        return vertx.executeBlocking(call, false);
    }
}
