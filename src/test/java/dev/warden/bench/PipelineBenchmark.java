package dev.warden.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.access.AuthorizeStage;
import dev.warden.admission.AdmitStage;
import dev.warden.config.ConfigLoader;
import dev.warden.config.RuntimeState;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotCompiler;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.identity.AuthenticateStage;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.InboundRequest;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.routing.RouteStage;
import dev.warden.routing.UpstreamRegistry;
import dev.warden.tenant.IdentifyStage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
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
 * The in-process decision path of the data plane: identify + authenticate (keyed hash, constant
 * time) + authorize + admit (the prompt tokenized, the cost estimated) + route, on a compiled
 * snapshot of 1,000 tenants, without any I/O. The peer in
 * the same run is {@code hmacOnly}: the one keyed hash every request must pay, so the ratio shows
 * what the rest of the decision costs. Run with {@code bench/jmh.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {
    private final Stage[] stages = {new IdentifyStage(), null, new AuthorizeStage(), new AdmitStage(null, null, null, tenant -> 0, tenant -> false),
            new RouteStage(new UpstreamRegistry(null))};
    private Snapshot snapshot;
    private KeyHasher hasher;
    private MultiMap headers;
    private RequestBody body;
    private String key;

    @Setup
    public void setup() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        hasher = new KeyHasher(secret);
        StringBuilder yaml = new StringBuilder("""
                pools:
                  main: { upstreams: [ { url: "http://127.0.0.1:1", region: eu }, { url: "http://127.0.0.1:2", region: us } ] }
                models:
                  gpt-sim: { pool: main }
                  embed-sim: { pool: main }
                tiers:
                  pro: { description: p }
                tenants:
                """);
        for (int i = 0; i < 1000; i++) {
            String k = ApiKeyFormat.generate();
            if (i == 500) {
                key = k;
            }
            yaml.append("  t").append(i).append(": { tier: pro, regions: [\"*\"], models: [gpt-sim, embed-sim], keys: [ { key: \"")
                    .append(k).append("\" } ] }\n");
        }
        snapshot = new SnapshotCompiler(hasher).compile(1, ConfigLoader.parse(yaml.toString(), Path.of(".")), RuntimeState.NONE);
        stages[1] = new AuthenticateStage(hasher);
        headers = MultiMap.caseInsensitiveMultiMap()
                .add("Host", "127.0.0.1").add("Authorization", "Bearer " + key).add("X-Tenant-ID", "t500")
                .add("Content-Type", "application/json").add("User-Agent", "bench");
        String text = "{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        var tree = new ObjectMapper().readTree(text); // the fields the body stage reads in its validating pass
        body = new RequestBody(Buffer.buffer(text), Map.of("model", tree.get("model"),
                "messages", tree.get("messages")));

    }

    @Benchmark
    public Object decide() {
        Exchange ex = new Exchange(new InboundRequest(Operation.CHAT_COMPLETIONS, null, null, headers, "127.0.0.1", null), 0);
        ex.put(RequestContext.SNAPSHOT, snapshot);
        ex.put(RequestContext.BODY, body);
        for (Stage s : stages) {
            Outcome o = s.onRequest(ex).result();
            if (!(o instanceof Outcome.Continue)) {
                throw new IllegalStateException("refused: " + o);
            }
        }
        return ex.get(RequestContext.ROUTE);
    }

    @Benchmark
    public byte[] hmacOnly() {
        return hasher.hash(key);
    }
}
