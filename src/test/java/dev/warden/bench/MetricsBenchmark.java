package dev.warden.bench;

import dev.warden.observe.GatewayMetrics;
import dev.warden.pipeline.Operation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a completed exchange costs the metrics: {@code completed} (one lookup of the tenant-model
 * pair, counters by operation and status in arrays) against {@code separateCalls}, the way
 * {@code MetricsStage} recorded it until session 15 (the operation's label built per request, the
 * pair looked up for the request, the tokens and the cost, the request counter in nested maps by
 * label). 200 tenants labelled, one model. Run with {@code bench/jmh.sh MetricsBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmark {
    private GatewayMetrics metrics;
    private String[] tenants;
    private int next;

    @Setup
    public void setUp() {
        metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        tenants = new String[200];
        for (int i = 0; i < tenants.length; i++) {
            tenants[i] = "tenant-" + i;
            metrics.completed(tenants[i], "gpt-sim", Operation.CHAT_COMPLETIONS, 200, 1_000_000, 20, 16, 34);
        }
    }

    private String tenant() {
        next = next + 1 == tenants.length ? 0 : next + 1;
        return tenants[next];
    }

    @Benchmark
    public void completed() {
        metrics.completed(tenant(), "gpt-sim", Operation.CHAT_COMPLETIONS, 200, 1_000_000, 20, 16, 34);
    }

    @Benchmark
    public void separateCalls() {
        String tenant = tenant();
        String operation = Operation.CHAT_COMPLETIONS.name().toLowerCase(Locale.ROOT);
        metrics.request(tenant, "gpt-sim", operation, 200, 1_000_000);
        metrics.tokens(tenant, "gpt-sim", 20, 16);
        metrics.cost(tenant, "gpt-sim", 34);
    }
}
