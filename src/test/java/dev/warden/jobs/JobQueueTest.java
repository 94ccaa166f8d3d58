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

    @Test
    void overADayOfBackloggedTenantsTheGpuTimeFollowsTheWeightsWithinFivePercent() {
        // a (weight 1) and b (weight 3) always have jobs waiting: 1 or 2 GPUs, 40 to 90 minutes; 8 GPUs; 3 days
        Map<String, Integer> weights = Map.of("a", 1, "b", 3);
        java.util.Random random = new java.util.Random(7);
        List<StoredJob> jobs = new ArrayList<>();
        Map<String, Long> granted = new java.util.HashMap<>();
        long now = NOW;
        int ids = 0;
        long end = NOW + 72 * HOUR;
        while (now < end) {
            for (String t : List.of("a", "b")) {
                long waiting = jobs.stream().filter(j -> j.tenantId().equals(t) && j.state().equals("queued")).count();
                for (long i = waiting; i < 3; i++) {
                    jobs.add(queued("j" + ++ids, t, 1 + random.nextInt(2), (40 + random.nextInt(51)) * 60_000L, now));
                }
            }
            long at = now;
            List<StoredJob> window = jobs.stream().filter(j -> !j.finished() || j.run().startedAtMs() >= at - 24 * HOUR).toList();
            JobQueue.Plan plan = JobQueue.plan(8, window, now, t -> weights.get(t), t -> 0);
            for (StoredJob j : plan.startNow()) {
                jobs.set(jobs.indexOf(j), running(j.id(), j.tenantId(), j.resources().gpus(), j.resources().maxMs(), now));
                if (now >= NOW + 24 * HOUR) { // after a day of warm-up
                    granted.merge(j.tenantId(), j.resources().maxGpuMs(), Long::sum);
                }
            }
            // on to the next end: it ran its whole time
            StoredJob next = jobs.stream().filter(j -> j.state().equals("running"))
                    .min(java.util.Comparator.comparingLong(j -> j.run().startedAtMs() + j.resources().maxMs())).orElseThrow();
            now = next.run().startedAtMs() + next.resources().maxMs();
            jobs.set(jobs.indexOf(next), finished(next.id(), next.tenantId(), next.resources().gpus(), next.resources().maxGpuMs(),
                    next.run().startedAtMs()));
        }
        double shareOfB = granted.get("b") / (double) (granted.get("a") + granted.get("b"));
        assertThat(shareOfB).as("b's share of the GPU time granted").isBetween(0.70, 0.80);
    }
}
