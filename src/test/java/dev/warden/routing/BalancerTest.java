package dev.warden.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.Resilience;
import dev.warden.config.UpstreamConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Power of two choices by weight, least requests in flight per weight. */
class BalancerTest {
    private static UpstreamState upstream(int port, int weight) {
        return new UpstreamState("p", new UpstreamConfig("http://h:" + port, "http", "h", port, "", "eu", weight), Resilience.Breaker.DEFAULTS);
    }

    @Test
    void idleUpstreamsAreChosenInProportionToTheirWeights() {
        List<UpstreamState> all = List.of(upstream(1, 1), upstream(2, 2), upstream(3, 5));
        int[] hits = new int[3];
        for (int i = 0; i < 80_000; i++) {
            hits[all.indexOf(Balancer.pick(all))]++;
        }
        assertThat(hits[0] / 80_000.0).isBetween(0.115, 0.135);
        assertThat(hits[1] / 80_000.0).isBetween(0.24, 0.26);
        assertThat(hits[2] / 80_000.0).isBetween(0.615, 0.635);
    }

    @Test
    void theLessLoadedPerWeightWins() {
        UpstreamState busy = upstream(1, 1);
        UpstreamState idle = upstream(2, 1);
        for (int i = 0; i < 3; i++) {
            busy.started();
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(Balancer.pick(List.of(busy, idle))).isSameAs(idle);
        }
        UpstreamState big = upstream(3, 4); // 3 in flight on weight 4 beats 1 on weight 1
        for (int i = 0; i < 3; i++) {
            big.started();
        }
        idle.started();
        for (int i = 0; i < 1000; i++) {
            assertThat(Balancer.pick(List.of(idle, big))).isSameAs(big);
        }
    }

    @Test
    void noneOrOne() {
        UpstreamState only = upstream(1, 7);
        assertThat(Balancer.pick(List.of())).isNull();
        assertThat(Balancer.pick(List.of(only))).isSameAs(only);
    }
}
