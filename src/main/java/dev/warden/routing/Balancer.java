package dev.warden.routing;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Least outstanding requests by the power of two choices, with weights: two different upstreams
 * are drawn at random in proportion to their weights, and the one with fewer requests in flight
 * per unit of weight wins (a tie goes to the first drawn). Idle upstreams therefore share traffic
 * in proportion to their weights; a slow one, holding more requests, gets fewer new ones. No
 * shared counter is written to choose.
 */
final class Balancer {
    private Balancer() {
    }

    /** One of {@code candidates} (all available), or null if there are none. */
    static UpstreamState pick(List<UpstreamState> candidates) {
        int n = candidates.size();
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return candidates.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int total = 0;
        for (UpstreamState s : candidates) {
            total += s.upstream().weight();
        }
        int first = draw(candidates, random.nextInt(total), -1);
        int firstWeight = candidates.get(first).upstream().weight();
        int second = draw(candidates, random.nextInt(total - firstWeight), first);
        UpstreamState a = candidates.get(first);
        UpstreamState b = candidates.get(second);
        // a.outstanding / a.weight <= b.outstanding / b.weight, without division
        return (long) a.outstanding() * b.upstream().weight() <= (long) b.outstanding() * a.upstream().weight() ? a : b;
    }

    /** The index {@code ticket} falls on, by cumulative weight, skipping index {@code skip}. */
    private static int draw(List<UpstreamState> candidates, int ticket, int skip) {
        int at = 0;
        for (int i = 0; i < candidates.size(); i++) {
            if (i == skip) {
                continue;
            }
            at += candidates.get(i).upstream().weight();
            if (ticket < at) {
                return i;
            }
        }
        return skip == candidates.size() - 1 ? candidates.size() - 2 : candidates.size() - 1;
    }
}
