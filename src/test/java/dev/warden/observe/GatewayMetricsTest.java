package dev.warden.observe;

import static org.assertj.core.api.Assertions.assertThat;

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
}
