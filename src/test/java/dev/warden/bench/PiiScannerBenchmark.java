package dev.warden.bench;

import dev.warden.config.PiiKind;
import dev.warden.guard.PiiScanner;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The guardrails' scanner (issue 20) on prompts of 1 KB, 16 KB and 128 KB of ordinary English with
 * an e-mail address, a phone number and a card number every ~2 KB: every kind looked for, as the
 * default PII policy does. docs/PERFORMANCE.md gives the time per KB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PiiScannerBenchmark {
    @Param({"1024", "16384", "131072"})
    public int bytes;

    private static final Set<PiiKind> ALL = EnumSet.allOf(PiiKind.class);
    private String prompt;

    @Setup
    public void setup() {
        String words = "The quarterly report shows that the platform served more requests than planned, and the "
                + "team would like a short summary of the results for the board meeting next week. ";
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (sb.length() < bytes) {
            sb.append(words);
            if (++n % 12 == 0) {
                sb.append("Contact jane.doe@example.com or +44 20 7946 0958, card 4111 1111 1111 1111. ");
            }
        }
        prompt = sb.substring(0, bytes);
    }

    @Benchmark
    public List<PiiScanner.Hit> scan() {
        return PiiScanner.scan(prompt, ALL);
    }
}
