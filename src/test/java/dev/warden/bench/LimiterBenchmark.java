package dev.warden.bench;

import dev.warden.admission.Limiter;
import dev.warden.admission.LimiterStore;
import dev.warden.admission.store.LocalLimiterStore;
import dev.warden.config.RateLimits;
import dev.warden.exchange.CostEstimate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 5's "local admission decision under 2 us": one admission against every limit a tenant
 * can have (concurrency, tenant and key request rates, tenant and key token rates) and its
 * settlement, on the lock-free local store, with 1,000 tenants' buckets in the maps. Run on two
 * threads too: the buckets are shared by the event loops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LimiterBenchmark {
    @Param({"all-limits", "no-limits"})
    public String limits;

    private final Limiter limiter = new Limiter();
    private final CostEstimate cost = new CostEstimate(50, 200, 0, 0, 200, false);
    private RateLimits policy;
    private String[] tenants;

    @Setup
    public void setup() {
        // rates far above what one benchmark thread can do: every decision is an admission
        policy = limits.equals("all-limits")
                ? new RateLimits(1_000_000_000L, 1_000_000_000_000L, 1_000_000_000L, 1_000_000_000_000L, 10, 1_000_000, true)
                : RateLimits.NONE;
        tenants = new String[1000];
        for (int i = 0; i < tenants.length; i++) {
            tenants[i] = "tenant-" + i;
        }
    }

    private int next;

    @Benchmark
    @Threads(1)
    public Limiter.Decision admitAndSettle() {
        String tenant = tenants[next++ % tenants.length];
        Limiter.Decision d = limiter.admit(new Limiter.Caller(tenant, "key-1", "user-1", "gpt-sim"), policy, cost, System.nanoTime());
        limiter.settle(d.reservation(), 180, 0, System.nanoTime());
        return d;
    }

    private final LocalLimiterStore store = new LocalLimiterStore(limiter, null);

    /** The same through the limiter-store interface the Admit stage calls (a completed future, an answer, a hold). */
    @Benchmark
    @Threads(1)
    public LimiterStore.Answer storeAdmitAndSettle() {
        String tenant = tenants[next++ % tenants.length];
        LimiterStore.Answer a = store.admit(new LimiterStore.Ask(
                new Limiter.Caller(tenant, "key-1", "user-1", "gpt-sim"), policy, cost, 0, List.of())).result();
        a.hold().settle(new LimiterStore.Used(180, 0, 0));
        return a;
    }

    @Benchmark
    @Threads(2)
    public Limiter.Decision admitAndSettleTwoThreads() {
        String tenant = tenants[(int) (Thread.currentThread().threadId() % 2)]; // two loops on the same tenant: contention
        Limiter.Decision d = limiter.admit(new Limiter.Caller(tenant, "key-1", "user-1", "gpt-sim"), policy, cost, System.nanoTime());
        limiter.settle(d.reservation(), 180, 0, System.nanoTime());
        return d;
    }
}
