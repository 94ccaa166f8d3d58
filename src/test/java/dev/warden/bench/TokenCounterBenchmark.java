package dev.warden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.ModelType;
import dev.warden.admission.TokenCounter;
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
 * Admission's prompt count (issue 23): the peer harness's chat body (a system and a user message,
 * bench/lib/chat.lua) and a ten-turn conversation, with the default encoding and GPT-4's; and the
 * messages' text alone, counted by {@link TokenCounter} and by JTokkit directly (for o200k_base,
 * the path our own counter replaced).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenCounterBenchmark {
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    @Param({"harness", "ten-turns"})
    public String body;

    private TokenCounter counter;
    private JsonNode messages;
    private String text;
    private Encoding jtokkit;

    @Setup
    public void setup() throws Exception {
        counter = new TokenCounter(encoding);
        String json = body.equals("harness")
                ? "[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                        + "{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}]"
                : tenTurns();
        messages = new ObjectMapper().readTree(json);
        StringBuilder all = new StringBuilder();
        messages.forEach(m -> all.append(m.get("content").textValue()).append('\n'));
        text = all.toString();
        jtokkit = Encodings.newDefaultEncodingRegistry().getEncodingForModel(encoding.equals("o200k_base") ? ModelType.GPT_4O : ModelType.GPT_4);
    }

    private static String tenTurns() {
        StringBuilder b = new StringBuilder("[{\"role\":\"system\",\"content\":\"You are a careful assistant for a billing team.\"}");
        for (int i = 0; i < 10; i++) {
            b.append(",{\"role\":\"user\",\"content\":\"Question ").append(i).append(": what does invoice ").append(1000 + i)
                    .append(" cover, and when is it due?\"},{\"role\":\"assistant\",\"content\":\"Invoice ").append(1000 + i)
                    .append(" covers the November usage of the eu pool and is due on the 30th.\"}");
        }
        return b.append(']').toString();
    }

    @Benchmark
    public long chat() {
        return counter.chat(messages, null);
    }

    /** The same prompt's upper bound (UTF-8 bytes, no BPE): what admission reserves where nothing charges tokens. */
    @Benchmark
    public long chatBound() {
        return counter.bounding().chat(messages, null);
    }

    @Benchmark
    public int text() {
        return counter.text(text);
    }

    @Benchmark
    public int textByJTokkit() {
        return jtokkit.countTokensOrdinary(text);
    }
}
