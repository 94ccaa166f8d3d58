package dev.warden.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.store.StoredJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fair order of a pool's job queue and the estimated starts, case by case. */
class JobQueueTest {
    private static final long HOUR = 3_600_000;
    private static final long NOW = 1_000 * HOUR;

    private static StoredJob queued(String id, String tenant, int gpus, long maxMs, long createdAt) {
        return new StoredJob(id, tenant, new StoredJob.Owner("u", "developer", "api_key"), "training", "m",
                new StoredJob.Placement("gpu", "eu", "http://127.0.0.1:9"), "queued", null, "h", null, 0, 0, createdAt, createdAt,
                new StoredJob.Resources(gpus, maxMs, 0), "{}", StoredJob.Run.NOT_STARTED);
    }

    private static StoredJob running(String id, String tenant, int gpus, long maxMs, long startedAt) {
        StoredJob q = queued(id, tenant, gpus, maxMs, startedAt - 1);
        return new StoredJob(q.id(), q.tenantId(), q.owner(), q.kind(), q.model(), q.placement(), "running", "up-" + id, "h", null, 0, 0,
                q.createdAtMs(), startedAt, q.resources(), q.params(), new StoredJob.Run(startedAt, 0, 0, 0));
    }

    private static StoredJob finished(String id, String tenant, int gpus, long usedGpuMs, long startedAt) {
        StoredJob q = queued(id, tenant, gpus, HOUR, startedAt - 1);
        return new StoredJob(q.id(), q.tenantId(), q.owner(), q.kind(), q.model(), q.placement(), "succeeded", "up-" + id, "h", null, 0, 0,
                q.createdAtMs(), startedAt, q.resources(), q.params(), new StoredJob.Run(startedAt, usedGpuMs, 0, 0));
    }

    private static JobQueue.Plan plan(int gpus, List<StoredJob> jobs, Map<String, Integer> weights, Map<String, Integer> maxGpus) {
        return JobQueue.plan(gpus, jobs, NOW, t -> weights.getOrDefault(t, 1), t -> maxGpus.getOrDefault(t, 0));
    }

    @Test
    void freeGpusStartTheQueueAtOnceOldestFirstWhileTheyLast() {
        List<StoredJob> jobs = List.of(queued("a1", "a", 2, HOUR, 1), queued("a2", "a", 2, HOUR, 2), queued("a3", "a", 2, HOUR, 3));
        JobQueue.Plan p = plan(4, jobs, Map.of(), Map.of());
        assertThat(p.startNow()).extracting(StoredJob::id).containsExactly("a1", "a2");
        assertThat(p.places().get("a3")).as("it starts when the first of them may have run its longest")
                .isEqualTo(new JobQueue.Place(3, NOW + HOUR));
    }

    @Test
    void theTenantWithTheLeastRecentGpuTimeGoesFirstWhateverTheArrivalOrder() {
        List<StoredJob> jobs = List.of(running("a0", "a", 4, HOUR, NOW - 10), queued("a1", "a", 4, HOUR, 1), queued("b1", "b", 4, HOUR, 2));
        JobQueue.Plan p = plan(4, jobs, Map.of(), Map.of());
        assertThat(p.startNow()).isEmpty();
        assertThat(p.places().get("b1")).isEqualTo(new JobQueue.Place(1, NOW - 10 + HOUR));
        assertThat(p.places().get("a1")).isEqualTo(new JobQueue.Place(2, NOW - 10 + 2 * HOUR));
    }

    @Test
    void aHeavierWeightEarnsAProportionallyLargerShare() {
        // a had 2 GPU-hours (weight 2: counter 1), b had 1.5 (weight 1: counter 1.5): a goes first
        List<StoredJob> jobs = List.of(finished("a0", "a", 2, 2 * HOUR, NOW - HOUR), finished("b0", "b", 1, 3 * HOUR / 2, NOW - HOUR),
                queued("b1", "b", 1, HOUR, 1), queued("a1", "a", 1, HOUR, 2));
        assertThat(plan(1, jobs, Map.of("a", 2), Map.of()).startNow()).extracting(StoredJob::id).containsExactly("a1");
        assertThat(plan(1, jobs, Map.of(), Map.of()).startNow()).as("at equal weights b had less").extracting(StoredJob::id)
                .containsExactly("b1");
    }

    @Test
    void aLargeJobIsNotJumpedBySmallerOnesOfOthersSoItIsNeverStarved() {
        // b's 4-GPU job is next by fairness; a's 1-GPU jobs would fit in the 2 free GPUs but must wait behind it
        List<StoredJob> jobs = List.of(running("a0", "a", 2, HOUR, NOW - 10), queued("b1", "b", 4, HOUR, 1), queued("a1", "a", 1, HOUR, 2));
        JobQueue.Plan p = plan(4, jobs, Map.of(), Map.of());
        assertThat(p.startNow()).isEmpty();
        assertThat(p.places().get("b1").position()).isEqualTo(1);
        assertThat(p.places().get("a1").position()).isEqualTo(2);
    }

    @Test
    void aTenantAtItsOwnGpuLimitLetsTheNextTenantGo() {
        List<StoredJob> jobs = new ArrayList<>(List.of(running("a0", "a", 2, HOUR, NOW - 10), queued("a1", "a", 1, HOUR, 1)));
        jobs.add(finished("b0", "b", 4, 10 * HOUR, NOW - HOUR)); // b had far more: a would go first, but a may hold 2 GPUs only
        jobs.add(queued("b1", "b", 1, HOUR, 2));
        JobQueue.Plan p = plan(8, jobs, Map.of(), Map.of("a", 2));
        assertThat(p.startNow()).extracting(StoredJob::id).containsExactly("b1");
        assertThat(p.places().get("a1")).as("once a's running job has ended").isEqualTo(new JobQueue.Place(2, NOW - 10 + HOUR));
    }

    @Test
    void aJobThatNoLongerFitsThePoolWaitsWithoutAnEstimate() {
        JobQueue.Plan p = plan(2, List.of(queued("a1", "a", 4, HOUR, 1)), Map.of(), Map.of());
        assertThat(p.startNow()).isEmpty();
        assertThat(p.places().get("a1")).isEqualTo(new JobQueue.Place(1, 0));
    }
}
