package dev.warden.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
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
 * What the request guard's header checks cost a request as an OpenAI SDK sends it (14 headers):
 * one pass over the names and values (controls, single headers; on HTTP/2 also tokens and
 * surrounding whitespace), then framing and media type. Compare with {@code PipelineBenchmark} in the same run for its share
 * of a request. Run with {@code bench/jmh.sh RequestGuardBenchmark PipelineBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestGuardBenchmark {
    /** HTTP/2 adds the checks HTTP/1's decoder makes itself: names are tokens, values unpadded. */
    @Param({"HTTP_1_1", "HTTP_2"})
    public String version;
    private HttpVersion httpVersion;
    private MultiMap sdkHeaders;

    @Setup
    public void setUp() {
        httpVersion = HttpVersion.valueOf(version);
        sdkHeaders = HeadersMultiMap.httpHeaders()
                .add("Host", "gateway.example.com")
                .add("Accept", "application/json")
                .add("Accept-Encoding", "gzip, deflate")
                .add("Authorization", "Bearer wdn_acme_" + "x".repeat(43))
                .add("Content-Type", "application/json")
                .add("Content-Length", "412")
                .add("User-Agent", "OpenAI/Python 1.54.4")
                .add("X-Stainless-Lang", "python")
                .add("X-Stainless-Package-Version", "1.54.4")
                .add("X-Stainless-OS", "Linux")
                .add("X-Stainless-Arch", "x64")
                .add("X-Stainless-Runtime", "CPython")
                .add("X-Stainless-Runtime-Version", "3.12.7")
                .add("X-Stainless-Retry-Count", "0");
    }

    @Benchmark
    public Object checkHeaders() {
        return RequestGuard.checkHeaders(httpVersion, sdkHeaders, "application/json", 4 * 1024 * 1024);
    }
}
