package dev.warden.bench;

import dev.warden.config.ConfigLoader;
import dev.warden.config.RuntimeState;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotCompiler;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.KeyHasher;
import dev.warden.exchange.RequestContext;
import dev.warden.identity.AuthenticateStage;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.InboundRequest;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.tenant.IdentifyStage;
import io.vertx.core.MultiMap;
import java.nio.file.Path;
import java.security.SecureRandom;
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
 * ATTACKS C10 (and A09), measured: identify + authenticate for a valid key and for each way a key
 * can be wrong: its first byte, its last byte, another tenant's valid key on this tenant's path, an
 * unknown tenant. Every path does one keyed hash of the whole presented key and one
 * {@code MessageDigest.isEqual}, so the refusals should cost what the valid key costs: the table in
 * docs/PERFORMANCE.md gives each as a ratio to {@code valid} in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KeyCheckBenchmark {
    @Param({"valid", "wrongFirstSecretByte", "wrongLastByte", "otherTenantsKey", "unknownTenant", "wrongKeyId"})
    public String presented;

    private final IdentifyStage identify = new IdentifyStage();
    private AuthenticateStage authenticate;
    private Snapshot snapshot;
    private MultiMap headers;
    private boolean expectAccepted;

    @Setup
    public void setup() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        KeyHasher hasher = new KeyHasher(secret);
        String mine = ApiKeyFormat.generate();
        String theirs = ApiKeyFormat.generate();
        snapshot = new SnapshotCompiler(hasher).compile(1, ConfigLoader.parse("""
                pools:
                  main: { upstreams: [ { url: "http://127.0.0.1:1", region: eu } ] }
                models:
                  m: { pool: main }
                tiers:
                  pro: { description: p }
                tenants:
                  a: { tier: pro, regions: ["*"], models: [m], keys: [ { key: "%s" } ] }
                  b: { tier: pro, regions: ["*"], models: [m], keys: [ { key: "%s" } ] }
                """.formatted(mine, theirs), Path.of(".")), RuntimeState.NONE);
        authenticate = new AuthenticateStage(hasher);
        String tenant = "a";
        int secretStart = mine.lastIndexOf('_') + 1;
        String key = switch (presented) {
            case "valid" -> mine;
            case "wrongFirstSecretByte" -> mine.substring(0, secretStart) + flip(mine.charAt(secretStart)) + mine.substring(secretStart + 1);
            case "wrongLastByte" -> mine.substring(0, mine.length() - 1) + flip(mine.charAt(mine.length() - 1));
            case "otherTenantsKey" -> theirs;
            case "unknownTenant" -> {
                tenant = "nobody";
                yield mine;
            }
            case "wrongKeyId" -> "wdn_" + flip(mine.charAt(4)) + mine.substring(5);
            default -> throw new IllegalArgumentException(presented);
        };
        expectAccepted = presented.equals("valid");
        headers = MultiMap.caseInsensitiveMultiMap().add("Host", "127.0.0.1").add("Authorization", "Bearer " + key)
                .add("X-Tenant-ID", tenant);
    }

    private static char flip(char c) {
        return c == 'A' ? 'B' : 'A';
    }

    @Benchmark
    public Object check() {
        Exchange ex = new Exchange(new InboundRequest(Operation.CHAT_COMPLETIONS, null, null, headers, "127.0.0.1", null), 0);
        ex.put(RequestContext.SNAPSHOT, snapshot);
        Outcome o = identify.onRequest(ex).result();
        if (o instanceof Outcome.Continue) {
            o = authenticate.onRequest(ex).result();
        }
        if ((o instanceof Outcome.Continue) != expectAccepted) {
            throw new IllegalStateException(presented + ": " + o);
        }
        return o;
    }
}
