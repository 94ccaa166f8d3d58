package dev.warden.admission.store;

import dev.warden.config.RateLimits;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one call of {@code admit.lua} for admissions of one tenant, in order. What admissions
 * share (their limits on the same keys: a shape) is sent once, each of them only its hold id and
 * charges: the script parses a tier's numbers once per call, not once per admission.
 */
final class AdmitRequests {
    /** One admission for {@code admit.lua}: its plan, the accounts' baselines, and the id of its hold. */
    record Admission(Plan plan, long[] baselines, String holdId) {
    }

    private AdmitRequests() {
    }

    /** The call for {@code batch} (one tenant's admissions); holds last {@code holdTtlMs} unless renewed. */
    static Request of(List<Admission> batch, long holdTtlMs) {
        String prefix = batch.get(0).plan().prefix();
        List<Admission> shapes = new ArrayList<>(2); // the first admission of each shape stands for it
        int[] shapeOf = new int[batch.size()];
        for (int n = 0; n < batch.size(); n++) {
            Admission admission = batch.get(n);
            if (!admission.plan().prefix().equals(prefix)) {
                throw new IllegalArgumentException("one call of admit.lua is for one tenant's keys");
            }
            int s = 0;
            while (s < shapes.size() && !sameShape(shapes.get(s), admission)) {
                s++;
            }
            if (s == shapes.size()) {
                shapes.add(admission);
            }
            shapeOf[n] = s + 1;
        }
        Map<String, Integer> keyIndex = new HashMap<>();
        List<String> keys = new ArrayList<>(8);
        keys.add(prefix + "c");
        keys.add(prefix + "h");
        List<String> args = new ArrayList<>(3 + shapes.size() * 20 + batch.size() * 8);
        args.add(Long.toString(holdTtlMs));
        args.add(Integer.toString(shapes.size()));
        for (Admission shape : shapes) {
            Plan plan = shape.plan();
            RateLimits limits = plan.ask().limits();
            String enforced = limits.enforced() ? "1" : "0";
            args.add(Integer.toString(limits.concurrency()));
            args.add(enforced);
            args.add(Integer.toString(plan.buckets().size()));
            args.add(Integer.toString(plan.accounts().size()));
            for (Plan.Bucket b : plan.buckets()) {
                args.add(keyIndex(keyIndex, keys, b.key()));
                args.add(Double.toString(b.intervalUs()));
                args.add(Double.toString(b.toleranceUs()));
                args.add(enforced);
            }
            for (int j = 0; j < plan.accounts().size(); j++) {
                Plan.Account a = plan.accounts().get(j);
                args.add(keyIndex(keyIndex, keys, a.key()));
                args.add(Long.toString(a.allowance().limit()));
                args.add(Long.toString(shape.baselines()[j]));
                args.add(Long.toString(a.periodEndMs()));
                args.add(a.allowance().enforced() ? "1" : "0");
            }
        }
        args.add(Integer.toString(batch.size()));
        for (int n = 0; n < batch.size(); n++) {
            Admission admission = batch.get(n);
            args.add(Integer.toString(shapeOf[n]));
            args.add(admission.holdId());
            for (Plan.Bucket b : admission.plan().buckets()) {
                args.add(Long.toString(b.units()));
            }
            for (Plan.Account a : admission.plan().accounts()) {
                args.add(Long.toString(a.amount()));
            }
        }
        return LimiterScripts.ADMIT.call(keys, args);
    }

    /** Whether two admissions have one shape: the same limits on the same keys (their charges may differ). */
    private static boolean sameShape(Admission x, Admission y) {
        Plan p = x.plan();
        Plan q = y.plan();
        RateLimits lp = p.ask().limits();
        RateLimits lq = q.ask().limits();
        if (lp.concurrency() != lq.concurrency() || lp.enforced() != lq.enforced()
                || p.buckets().size() != q.buckets().size() || p.accounts().size() != q.accounts().size()) {
            return false;
        }
        for (int i = 0; i < p.buckets().size(); i++) {
            Plan.Bucket a = p.buckets().get(i);
            Plan.Bucket b = q.buckets().get(i);
            if (!a.key().equals(b.key()) || a.intervalUs() != b.intervalUs() || a.toleranceUs() != b.toleranceUs()) {
                return false;
            }
        }
        for (int j = 0; j < p.accounts().size(); j++) {
            Plan.Account a = p.accounts().get(j);
            Plan.Account b = q.accounts().get(j);
            if (!a.key().equals(b.key()) || a.allowance().limit() != b.allowance().limit()
                    || a.allowance().enforced() != b.allowance().enforced() || a.periodEndMs() != b.periodEndMs()
                    || x.baselines()[j] != y.baselines()[j]) {
                return false;
            }
        }
        return true;
    }

    /** The script's (1-based) index of {@code key} in {@code keys}, added the first time it is named. */
    private static String keyIndex(Map<String, Integer> index, List<String> keys, String key) {
        return Integer.toString(index.computeIfAbsent(key, k -> {
            keys.add(k);
            return keys.size();
        }));
    }
}
