package dev.warden.jobs;

import dev.warden.crypto.KeyHasher;
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

    public JobRegistry(Vertx vertx, JobStore store, KeyHasher hasher) {
        this.vertx = vertx;
        this.store = store;
        this.hasher = hasher;
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

    /** Inserts the job unless its tenant already has {@code maxActive} unfinished ones (then: empty). */
    Future<Optional<StoredJob>> insertIfBelow(StoredJob job, int maxActive) {
        return blocking(() -> {
            if (store.active(job.tenantId()) >= maxActive) {
                return Optional.empty();
            }
            return Optional.of(store.insert(job));
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
