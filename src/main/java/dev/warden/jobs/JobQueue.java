package dev.warden.jobs;

import dev.warden.store.StoredJob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.ToIntFunction;

/**
 * The order a pool's queued jobs start in, and when each is expected to: the virtual token
 * counter rule of the request seats, in GPU time. Each tenant's counter is the GPU time its jobs
 * were granted in the recent past (a running job: its worst case, GPUs x its longest run; a
 * finished one: what it really ran) over the tenant's weight; freed GPUs go to the waiting tenant
 * with the smallest counter, its oldest job first. That job waits for enough GPUs (no smaller job
 * of another tenant jumps ahead of it, so a large job is never starved), unless its tenant is at
 * its own GPU limit, when the next tenant goes. Pure: the store and the clock are the caller's.
 */
final class JobQueue {
    /** A queued job's place: its position (1 = next) and when it is expected to start (ms; 0: not while the queue is as it is). */
    record Place(int position, long estimatedStartMs) {
    }

    /** What the queue says now: the jobs that start at once, in order, and every queued job's place. */
    record Plan(List<StoredJob> startNow, Map<String, Place> places) {
    }

    private JobQueue() {
    }

    /**
     * @param capacityGpus the pool's job GPUs
     * @param poolJobs     the pool's queued and running jobs, and those that started recently
     * @param weight       a tenant's weight (1 = equal share)
     * @param maxGpus      a tenant's GPU limit for running jobs (0: none)
     */
    static Plan plan(int capacityGpus, List<StoredJob> poolJobs, long nowMs, ToIntFunction<String> weight, ToIntFunction<String> maxGpus) {
        Map<String, Double> counter = new HashMap<>();
        Map<String, Integer> held = new HashMap<>();
        Map<String, Deque<StoredJob>> waiting = new LinkedHashMap<>();
        PriorityQueue<long[]> ends = new PriorityQueue<>(Comparator.comparingLong(e -> e[0])); // {endMs, gpus, tenant index}
        List<String> tenants = new ArrayList<>();
        int free = capacityGpus;
        for (StoredJob j : poolJobs) {
            String t = j.tenantId();
            if (!tenants.contains(t)) {
                tenants.add(t);
            }
            if (j.state().equals("queued")) {
                waiting.computeIfAbsent(t, k -> new ArrayDeque<>()).add(j);
                continue;
            }
            long granted = j.finished() ? j.run().usedGpuMs() : j.resources().maxGpuMs();
            counter.merge(t, granted / (double) Math.max(1, weight.applyAsInt(t)), Double::sum);
            if (j.state().equals("running")) {
                free -= j.resources().gpus();
                held.merge(t, j.resources().gpus(), Integer::sum);
                long end = Math.max(nowMs, j.run().startedAtMs() + j.resources().maxMs());
                ends.add(new long[] {end, j.resources().gpus(), tenants.indexOf(t)});
            }
        }
        List<StoredJob> startNow = new ArrayList<>();
        Map<String, Place> places = new LinkedHashMap<>();
        long clock = nowMs;
        boolean foreseen = false; // past the first GPUs the queue must wait for: nothing more starts now
        int position = 0;
        while (!waiting.isEmpty()) {
            String next = null;
            for (Map.Entry<String, Deque<StoredJob>> e : waiting.entrySet()) {
                String t = e.getKey();
                int limit = maxGpus.applyAsInt(t);
                if (limit > 0 && held.getOrDefault(t, 0) + e.getValue().peekFirst().resources().gpus() > limit) {
                    continue; // at its own limit: the next tenant goes
                }
                if (next == null || counter.getOrDefault(t, 0.0) < counter.getOrDefault(next, 0.0)) {
                    next = t;
                }
            }
            StoredJob head = next == null ? null : waiting.get(next).peekFirst();
            if (head == null || head.resources().gpus() > free) {
                long[] end = ends.poll();
                if (end == null) {
                    break; // nothing will free GPUs: the rest cannot be placed (a pool shrunk by a reload)
                }
                foreseen = true;
                clock = Math.max(clock, end[0]);
                free += (int) end[1];
                held.merge(tenants.get((int) end[2]), (int) -end[1], Integer::sum);
                continue;
            }
            waiting.get(next).pollFirst();
            if (waiting.get(next).isEmpty()) {
                waiting.remove(next);
            }
            free -= head.resources().gpus();
            held.merge(next, head.resources().gpus(), Integer::sum);
            counter.merge(next, head.resources().maxGpuMs() / (double) Math.max(1, weight.applyAsInt(next)), Double::sum);
            ends.add(new long[] {clock + head.resources().maxMs(), head.resources().gpus(), tenants.indexOf(next)});
            places.put(head.id(), new Place(++position, clock));
            if (!foreseen) {
                startNow.add(head);
            }
        }
        for (Deque<StoredJob> rest : waiting.values()) {
            for (StoredJob j : rest) {
                places.put(j.id(), new Place(++position, 0));
            }
        }
        return new Plan(startNow, places);
    }
}
