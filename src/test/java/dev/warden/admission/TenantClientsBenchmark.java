package dev.warden.admission;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the client-limits stage costs a request: its tenant's entry found, a place in flight taken
 * and given back, the abort window read; by two threads on one tenant (two event loops serving the
 * same busy tenant, the contended case). Run with {@code bench/jmh.sh TenantClientsBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class TenantClientsBenchmark {
    private final TenantClients clients = new TenantClients();

    @Benchmark
    public boolean enterAndLeave() {
        TenantClients.Clients c = clients.of("acme");
        long until = c.refusedUntil();
        if (until != 0 && System.currentTimeMillis() < until || !c.enter(4096)) {
            return false;
        }
        c.leave();
        return true;
    }
}
