package dev.warden.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.ModelConfig;
import dev.warden.config.Price;
import dev.warden.config.UpstreamConfig;
import dev.warden.pipeline.Usage;
import org.junit.jupiter.api.Test;

/** The one reckoning of what a request used and cost, as admission settles it and the ledger records it. */
class MeteredTest {
    private static final ModelConfig HEAVY = new ModelConfig("big", "main", "big", "cl100k_base", 64, 1000, new Price(1000, 2000), 2.5,
            null, 10_000, null);
    private static final UpstreamConfig UPSTREAM = new UpstreamConfig("http://127.0.0.1:1", "http", "127.0.0.1", 1, "", "eu", 1);
    private static final SelectedRoute ROUTE = new SelectedRoute(HEAVY, UPSTREAM, "/v1/chat/completions");
    private static final CostEstimate WORST = new CostEstimate(100, 50, 200, 375, 50, false);

    @Test
    void reportedUsageIsPricedAndWeightedOnTheRouteThatAnswered() {
        Metered m = Metered.of(ROUTE, WORST, new Usage(10, 3), true, false, false);
        assertThat(m).isEqualTo(new Metered(10, 3, 33, 16)); // 13 x 2.5 = 32.5 -> 33; (10 x 1000 + 3 x 2000) / 1000
        assertThat(Metered.of(ROUTE.charged(10), WORST, new Usage(10, 3), false, true, false))
                .as("a cache hit: its share of the price, no GPU ran").isEqualTo(new Metered(10, 3, 0, 1));
    }

    @Test
    void anAnswerWithoutUsageIsTheWorstCaseAndNoAnswerIsNothing() {
        assertThat(Metered.of(ROUTE, WORST, Usage.NONE, true, false, false)).isEqualTo(new Metered(100, 50, 375, 200));
        assertThat(Metered.of(ROUTE, WORST, Usage.NONE, false, false, false)).isEqualTo(new Metered(0, 0, 0, 0));
        assertThat(Metered.of(null, WORST, new Usage(5, 5), true, false, false)).isEqualTo(Metered.NOTHING);
    }

    @Test
    void aPredictCallCostsWhatItsModelDeclaresWhateverTokensItReports() {
        CostEstimate declared = new CostEstimate(0, 0, 500, 5, 0, false);
        assertThat(Metered.of(ROUTE, declared, new Usage(2, 2), true, false, true)).isEqualTo(new Metered(2, 2, 5, 500));
        assertThat(Metered.of(ROUTE, declared, Usage.NONE, false, false, true)).as("failed: free").isEqualTo(new Metered(0, 0, 0, 0));
    }
}
