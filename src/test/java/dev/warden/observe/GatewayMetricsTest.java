package dev.warden.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.pipeline.Operation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
    @Test
    void tenantLabelsAreCappedAndTheRestCountAsOther() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayMetrics metrics = new GatewayMetrics(registry, 2);
        for (String t : new String[] {"a", "b", "c", "d", "a"}) {
            metrics.request(t, "m", "chat_completions", 200, 1_000_000);
        }
        metrics.refusal("_none", "unauthenticated");
        metrics.cost("a", "m", 1500);
        String scrape = registry.scrape();
        assertThat(scrape).contains("tenant=\"a\"").contains("tenant=\"b\"").doesNotContain("tenant=\"c\"")
                .doesNotContain("tenant=\"d\"");
        assertThat(scrape).contains("warden_requests_total{model=\"m\",operation=\"chat_completions\",status=\"200\",tenant=\"other\"} 2.0");
        assertThat(scrape).contains("warden_requests_total{model=\"m\",operation=\"chat_completions\",status=\"200\",tenant=\"a\"} 2.0");
        assertThat(scrape).contains("warden_refusals_total{code=\"unauthenticated\",tenant=\"_none\"} 1.0");
        assertThat(scrape).contains("warden_cost_micros_total{model=\"m\",tenant=\"a\"} 1500.0");
    }

    @Test
    void aCompletedExchangeCountsUnderTheSameLabelsAsEachMeterAlone() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayMetrics metrics = new GatewayMetrics(registry, 10);
        metrics.completed("a", "m", Operation.CHAT_COMPLETIONS, 200, 2_000_000, 12, 30, 51);
        metrics.completed("a", "m", Operation.CHAT_COMPLETIONS, 200, 1_000_000, 1, 0, 0);
        metrics.completed("a", "m", Operation.EMBEDDINGS, 429, 1_000_000, 0, 0, 0);
        metrics.request("a", "m", "chat_completions", 200, 1_000_000); // the same counter by its label strings
        metrics.completed("a", "m", Operation.CHAT_COMPLETIONS, 999, 1_000_000, 0, 0, 0); // beyond the status array
        String scrape = registry.scrape();
        assertThat(scrape).contains("warden_requests_total{model=\"m\",operation=\"chat_completions\",status=\"200\",tenant=\"a\"} 3.0");
        assertThat(scrape).contains("warden_requests_total{model=\"m\",operation=\"embeddings\",status=\"429\",tenant=\"a\"} 1.0");
        assertThat(scrape).contains("warden_requests_total{model=\"m\",operation=\"chat_completions\",status=\"999\",tenant=\"a\"} 1.0");
        assertThat(scrape).contains("warden_tokens_total{direction=\"in\",model=\"m\",tenant=\"a\"} 13.0");
        assertThat(scrape).contains("warden_tokens_total{direction=\"out\",model=\"m\",tenant=\"a\"} 30.0");
        assertThat(scrape).contains("warden_cost_micros_total{model=\"m\",tenant=\"a\"} 51.0");
        assertThat(scrape).contains("warden_request_duration_seconds_count{model=\"m\",tenant=\"a\"} 5");
    }
}
