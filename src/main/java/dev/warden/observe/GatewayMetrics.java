package dev.warden.observe;

import dev.warden.pipeline.StageCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Warden's Prometheus metrics. Labels are bounded: tenants and models are those of the config
 * (anything else is counted as {@code _none}), statuses are HTTP codes. Meters are cached so a
 * request costs map lookups, not registry lookups.
 */
public final class GatewayMetrics implements StageCounters {
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void request(String tenant, String model, String operation, int status, long nanos) {
        String statusText = Integer.toString(status);
        counters.computeIfAbsent("r|" + tenant + '|' + model + '|' + operation + '|' + statusText,
                k -> Counter.builder("warden_requests").description("Data-plane requests by tenant, model, operation and status")
                        .tags("tenant", tenant, "model", model, "operation", operation, "status", statusText)
                        .register(registry)).increment();
        timers.computeIfAbsent(tenant + '|' + model, k -> Timer.builder("warden_request_duration")
                .description("Time from request to the end of the response")
                .tags("tenant", tenant, "model", model)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void tokens(String tenant, String model, long in, long out) {
        if (in > 0) {
            counter("t|in|" + tenant + '|' + model, "warden_tokens", "Tokens used, as reported by upstreams",
                    "tenant", tenant, "model", model, "direction", "in").increment(in);
        }
        if (out > 0) {
            counter("t|out|" + tenant + '|' + model, "warden_tokens", "Tokens used, as reported by upstreams",
                    "tenant", tenant, "model", model, "direction", "out").increment(out);
        }
    }

    @Override
    public void count(String stage, Result result, String tenant) {
        counter("s|" + stage + '|' + result + '|' + tenant, "warden_stage_outcomes", "Stage decisions",
                "stage", stage, "result", result.name().toLowerCase(java.util.Locale.ROOT), "tenant", tenant).increment();
    }

    public void configReload(boolean ok) {
        counter("c|" + ok, "warden_config_reloads", "Config reload attempts", "result", ok ? "applied" : "refused").increment();
    }

    private Counter counter(String key, String name, String description, String... tags) {
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

}
